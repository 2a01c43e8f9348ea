/**
 * The `testing` subpath of each package: its exports map entry resolves (source condition
 * here, `dist` paths that match the build's rootDir → outDir mapping), `tsconfig.build.json`
 * compiles every file of it, it exports the conformance suites, and the main entry's import
 * graph stays free of vitest and of the suites. Parses configs and sources only; builds
 * nothing.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

interface Conditions {
  readonly '@edgefed/source': string;
  readonly types: string;
  readonly default: string;
}

const PACKAGES = [
  { dir: 'shared', name: '@edgefed/shared', suites: ['strategyConformance', 'channelConformance'] },
  { dir: 'client', name: '@edgefed/client', suites: ['backendConformance', 'engineConformance'] },
  {
    dir: 'coordinator',
    name: '@edgefed/coordinator',
    suites: ['runRunStoreConformance', 'runBlobStoreConformance'],
  },
] as const;

function manifest(dir: string): {
  exports: Record<string, Conditions>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
} {
  return JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as ReturnType<typeof manifest>;
}

/** Files `tsconfig.build.json` compiles as roots, relative to the package. */
function buildRoots(dir: string): Set<string> {
  const path = join(root, dir, 'tsconfig.build.json');
  const config = ts.readConfigFile(path, (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, join(root, dir), undefined, path);
  return new Set(parsed.fileNames.map((f) => relative(join(root, dir), f)));
}

/** Every file reachable from `entry` through relative imports and re-exports, and the bare specifiers seen. */
function importGraph(entry: string): { files: Set<string>; bare: Set<string> } {
  const files = new Set<string>();
  const bare = new Set<string>();
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.pop() ?? '';
    if (files.has(file)) continue;
    files.add(file);
    for (const ref of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      const spec = ref.fileName;
      if (!spec.startsWith('.')) {
        bare.add(spec);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
      if (existsSync(target)) queue.push(target);
    }
  }
  return { files, bare };
}

describe.each(PACKAGES)('$name/testing', ({ dir, name, suites }) => {
  const entry = manifest(dir).exports['./testing'];

  it('is in the exports map, with dist paths the build writes', () => {
    expect(entry).toEqual({
      '@edgefed/source': './src/testing/index.ts',
      types: './dist/testing/index.d.ts',
      default: './dist/testing/index.js',
    });
    expect(existsSync(join(root, dir, 'src/testing/index.ts'))).toBe(true);
  });

  it('is compiled by tsconfig.build.json, every file it imports included', () => {
    const roots = buildRoots(dir);
    const { files } = importGraph(join(root, dir, 'src/testing/index.ts'));
    const own = [...files].map((f) => relative(join(root, dir), f)).filter((f) => !f.startsWith('..'));
    expect(own.length).toBeGreaterThan(1);
    expect(own.filter((f) => !roots.has(f))).toEqual([]);
  });

  it('resolves and exports the conformance suites', async () => {
    const mod = (await import(/* @vite-ignore */ `${name}/testing`)) as Record<string, unknown>;
    for (const s of suites) expect(typeof mod[s], s).toBe('function');
  });

  it('keeps the main entry free of vitest and of the suites', () => {
    const { files, bare } = importGraph(join(root, dir, 'src/index.ts'));
    expect([...bare].filter((b) => b.startsWith('vitest'))).toEqual([]);
    const suiteFiles = [...files].filter((f) => /conformance|[/\\]testing[/\\]/.test(relative(root, f)));
    expect(suiteFiles).toEqual([]);
  });
});

describe('vitest as a peer dependency', () => {
  it('is declared optional exactly where a testing entry imports it', () => {
    for (const { dir } of PACKAGES) {
      const usesVitest = [...importGraph(join(root, dir, 'src/testing/index.ts')).bare].some((b) =>
        b.startsWith('vitest'),
      );
      const m = manifest(dir);
      expect(m.peerDependencies?.vitest !== undefined, dir).toBe(usesVitest);
      if (usesVitest) expect(m.peerDependenciesMeta?.vitest?.optional, dir).toBe(true);
    }
  });
});
