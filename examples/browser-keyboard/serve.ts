/**
 * `npm run example:keyboard`: starts a coordinator with a keyboard-model run waiting for two
 * browsers, serves the keyboard page (Vite dev server) and prints one URL per simulated user,
 * each seeded with a different president's State of the Union addresses. Open two or three,
 * type, tick "I agree" and join; watch the suggestions change as rounds pass. Ctrl-C stops.
 */
import { startKeyboardStack } from './stack.js';

const users = Number(process.env.EDGEFED_USERS ?? '3');
const rounds = Number(process.env.EDGEFED_ROUNDS ?? '30');
const stack = await startKeyboardStack({
  mode: 'dev',
  seeds: { users, chars: 30_000 },
  rounds,
  port: Number(process.env.PORT ?? '5174'),
  logLevel: 'info',
});
const run = await stack.coordinator.runs.create({
  name: 'browser-keyboard',
  config: stack.runConfig({ rounds, clients: 2, maxSteps: 30 }),
});
console.log(`\nedgefed browser keyboard example`);
console.log(`  coordinator  ${stack.coordinatorUrl}  (admin token: ${stack.coordinator.adminToken})`);
console.log(`  run          ${run.id}  (${stack.model} model, ${rounds} rounds)`);
stack.seeds.presidents.forEach((p, i) => {
  console.log(`  user ${i}       ${stack.pageFor(i)}\n               (seeded with ${p}'s addresses)`);
});
console.log(`  force wasm:  append &backend=wasm   train on the page thread: &worker=0\n`);
const shutdown = (): void => {
  void stack.close().then(() => process.exit(0));
};
process.once('SIGINT', shutdown);
process.once('SIGTERM', shutdown);
