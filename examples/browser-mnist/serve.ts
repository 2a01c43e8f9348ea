/**
 * `npm run example:browser`: starts a coordinator with two MNIST runs, each waiting for two
 * browsers — `tiny-cnn` (edgefed's layer API) and `lenet-bn` (LeNet-5 with BatchNorm,
 * exported from PyTorch with `torch.onnx.export` and uploaded to the coordinator's model
 * library as `POST /api/models` does) — serves the example page (Vite dev server) and
 * prints one URL per simulated user and model (`?model=NAME` picks the run). Open two or
 * three of one model (e.g. in different browser profiles), tick "I agree" and join; Ctrl-C
 * stops everything.
 */
import { readFileSync } from 'node:fs';
import { startExampleStack } from './stack.js';

const users = Number(process.env.EDGEFED_USERS ?? '3');
const stack = await startExampleStack({
  mode: 'dev',
  shards: { count: users, size: 600 },
  port: Number(process.env.PORT ?? '5173'),
  logLevel: 'info',
});
const lenet = await stack.coordinator.stores.models.add(
  readFileSync(new URL('../../tests/fixtures/onnx/lenet-bn.onnx', import.meta.url)),
  { name: 'lenet-bn' },
);
const training = { epochs: 1, batchSize: 32, learningRate: 0.1, maxSteps: 20 };
const strategy = { name: 'fedavg', minFitClients: 2, minAvailableClients: 2 };
const models = {
  'tiny-cnn': { model: 'tiny-cnn', info: { kind: 'preset' } },
  'lenet-bn': { model: { onnx: lenet.hash }, info: { kind: 'onnx', hash: lenet.hash } },
};
console.log(`\nedgefed browser MNIST example`);
console.log(`  coordinator  ${stack.coordinatorUrl}  (admin token: ${stack.coordinator.adminToken})`);
for (const [name, m] of Object.entries(models)) {
  const run = await stack.coordinator.runs.create({
    name: `browser-mnist ${name}`,
    config: { model: m.model, rounds: 20, strategy, training, roundDeadlineMs: 120_000 },
  });
  stack.offer(name, { runId: run.id, info: m.info });
  console.log(`  ${name} run ${run.id}`);
  for (let i = 0; i < users; i++) console.log(`    user ${i}     ${stack.pageFor(i, { model: name })}`);
}
console.log(`  force wasm:  append &backend=wasm   train on the page thread: &worker=0\n`);
const shutdown = (): void => {
  void stack.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
