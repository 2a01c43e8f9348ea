#!/usr/bin/env node
// The `edgefed` command's launcher. A published package (or `npm run build`) has the
// compiled CLI in dist/ and runs it directly. A clone after `npm install` has only the
// TypeScript sources: they run through tsx with the `@edgefed/source` export condition,
// in a child process that gets this process's arguments, terminal and signals.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const source = fileURLToPath(new URL('../src/cli/main.ts', import.meta.url));

if (existsSync(built)) {
  await import(built);
} else {
  let tsx;
  try {
    tsx = import.meta.resolve('tsx');
  } catch {
    console.error(
      'edgefed: the CLI is not built and tsx is not installed; run `npm install` (or `npm run build`)',
    );
    process.exit(1);
  }
  const child = spawn(
    process.execPath,
    ['--conditions=@edgefed/source', '--import', tsx, source, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  // Ctrl+C reaches the child from the terminal itself (same process group): wait for it to
  // close cleanly. Signals sent to this process alone are passed on.
  process.on('SIGINT', () => {});
  for (const signal of ['SIGTERM', 'SIGHUP']) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => {
    process.exitCode = code ?? (signal === null ? 1 : 128 + (signal === 'SIGINT' ? 2 : 15));
  });
}
