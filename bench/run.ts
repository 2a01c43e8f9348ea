/**
 * `npm run bench -- <name> [--key value ...]`: runs bench/<name>.ts and prints one JSON
 * line per figure on stdout. `npm run bench -- --list` lists the benchmarks.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Benchmark, Figure } from './harness.js';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['run.ts', 'harness.ts'].includes(f) && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3));

function parseArgs(argv: string[]): { names: string[]; args: Record<string, string> } {
  const names: string[] = [];
  const args: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] ?? '';
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        args[a.slice(2)] = next;
        i++;
      } else args[a.slice(2)] = 'true';
    } else names.push(a);
  }
  return { names, args };
}

async function main(): Promise<void> {
  const { names, args } = parseArgs(process.argv.slice(2));
  if (args.list !== undefined || names.length === 0) {
    console.log(`Benchmarks: ${available.join(', ')}\nUsage: npm run bench -- <name> [--key value]`);
    process.exitCode = names.length === 0 && args.list === undefined ? 1 : 0;
    return;
  }
  for (const name of names) {
    if (!available.includes(name)) {
      console.error(`Unknown benchmark "${name}". Available: ${available.join(', ')}`);
      process.exitCode = 2;
      return;
    }
    const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: Benchmark };
    console.error(`# ${name}: ${mod.default.description}`);
    await mod.default.run({
      args,
      report: (figure) => {
        const line: Figure = { bench: name, ...figure };
        console.log(JSON.stringify(line));
      },
    });
  }
}

await main();
