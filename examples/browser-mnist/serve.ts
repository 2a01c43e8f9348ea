/**
 * `npm run example:browser`: starts a coordinator with a tiny-cnn MNIST run waiting for two
 * browsers, serves the example page (Vite dev server) and prints one URL per simulated
 * user. Open two or three of them (e.g. in different browser profiles), tick "I agree" and
 * join; Ctrl-C stops everything.
 */
import { startExampleStack } from './stack.js';

const users = Number(process.env.EDGEFED_USERS ?? '3');
const stack = await startExampleStack({
  mode: 'dev',
  shards: { count: users, size: 600 },
  port: Number(process.env.PORT ?? '5173'),
  logLevel: 'info',
});
const run = await stack.coordinator.runs.create({
  name: 'browser-mnist',
  config: {
    model: 'tiny-cnn',
    rounds: 20,
    strategy: { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 },
    training: { epochs: 1, batchSize: 32, learningRate: 0.1, maxSteps: 20 },
    roundDeadlineMs: 120_000,
  },
});
console.log(`\nedgefed browser MNIST example`);
console.log(`  coordinator  ${stack.coordinatorUrl}  (admin token: ${stack.coordinator.adminToken})`);
console.log(`  run          ${run.id}`);
for (let i = 0; i < users; i++) console.log(`  user ${i}       ${stack.pageFor(i)}`);
console.log(`  force wasm:  append &backend=wasm   train on the page thread: &worker=0\n`);
const shutdown = (): void => {
  void stack.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
