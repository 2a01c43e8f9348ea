/**
 * The `edgefed` command as a user meets it after `npm install` in a clone: the bin that
 * npm links (node_modules/.bin/edgefed, no build step), its help, and `serve` giving the
 * dashboard page.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BIN = join(ROOT, 'node_modules', '.bin', 'edgefed');

function edgefed(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(BIN, args, { encoding: 'utf8', cwd: ROOT, timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Command names as `edgefed --help` lists them (two-space indent, name, two+ spaces, text). */
function listedCommands(help: string): string[] {
  const section = help.split('Commands:')[1] ?? '';
  return [...section.matchAll(/^ {2}(\S+(?: \S+)?) {2,}\S/gm)].map((m) => m[1] ?? '');
}

describe('edgefed (the bin npm links)', () => {
  it('--help lists every command, and each command answers its own --help', () => {
    const { code, stdout } = edgefed(['--help']);
    expect(code).toBe(0);
    const commands = listedCommands(stdout);
    expect(commands).toEqual(
      expect.arrayContaining(['serve', 'demo', 'token create', 'train', 'model export', 'simulate']),
    );
    for (const c of commands) {
      const r = edgefed([...c.split(' '), '--help']);
      expect({ command: c, code: r.code }).toEqual({ command: c, code: 0 });
      expect(r.stdout).toMatch(/Usage: edgefed/);
    }
  });

  it('an unknown command exits 2 and shows the help', () => {
    const { code, stderr } = edgefed(['frobnicate']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/unknown command "frobnicate"[\s\S]*Commands:/);
  });
});

describe('edgefed serve', () => {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'edgefed-cli-'));
  });
  afterAll(async () => {
    await rm(dataDir, { recursive: true, force: true });
  });

  it('serves the dashboard page, health and metrics, and stops on SIGTERM', async () => {
    const child = spawn(BIN, ['serve', '--port', '0', '--data-dir', dataDir, '--log-level', 'warn'], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    const url = await new Promise<string>((resolve, reject) => {
      let err = '';
      child.stderr.setEncoding('utf8');
      child.stderr.on('data', (chunk: string) => {
        err += chunk;
        const m = /edgefed coordinator at (http:\/\/\S+)/.exec(err);
        if (m?.[1] !== undefined) resolve(m[1]);
      });
      child.on('exit', () => reject(new Error(`serve exited early:\n${err}`)));
    });
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<script type="module"[^>]*src="\/assets\//);
    expect((await fetch(`${url}/healthz`)).status).toBe(200);
    expect(await (await fetch(`${url}/metrics`)).text()).toMatch(/edgefed_/);
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
