/**
 * `edgefed model export --model FILE.onnx`: the self-contained inference.onnx carries the
 * imported model's own values (not seeded ones), so it reproduces PyTorch's eval() output.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runModelExportCommand } from '../../coordinator/src/cli/model-export.js';
import { fixturePath, fixtureReference, relError, runOrt } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'edgefed-export-'));

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('edgefed model export --model FILE.onnx', () => {
  it('bakes the imported values into inference.onnx', async () => {
    const ref = fixtureReference('dsconv');
    expect(await runModelExportCommand(['--model', fixturePath('dsconv'), '--out', dir])).toBe(0);
    const onnx = new Uint8Array(readFileSync(join(dir, 'inference.onnx')));
    const out = await runOrt(onnx, { x: { shape: ref.x.shape, data: ref.x.data } });
    expect(relError(out.logits ?? [], ref.evalLogits.data)).toBeLessThan(1e-4);
  });
});
