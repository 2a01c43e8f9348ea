import { EdgefedError, isEdgefedError } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import type { TrainingBackend } from './backend.js';
import { BackendRegistry, createDefaultRegistry } from './backend-registry.js';
import { createNodeBackend } from './node-backend.js';

async function rejects(p: Promise<unknown>): Promise<EdgefedError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof EdgefedError) return e;
    throw e;
  }
  throw new Error('expected a rejection');
}

function failing(reason: string): () => Promise<TrainingBackend> {
  return () => Promise.reject(new EdgefedError('BACKEND_UNAVAILABLE', reason));
}

describe('BackendRegistry', () => {
  it('falls back past a backend that fails to initialise and remembers why', async () => {
    const r = new BackendRegistry();
    let attempts = 0;
    r.register({
      name: 'webgpu',
      priority: 30,
      init: () => {
        attempts++;
        return failing('no adapter')();
      },
    });
    r.register({ name: 'node', priority: 20, init: () => createNodeBackend() });
    expect(r.names()).toEqual(['webgpu', 'node']);
    const b = await r.resolve();
    expect(b.name).toBe('node');
    expect(r.failures().get('webgpu')).toBe('no adapter');
    expect(await r.resolve()).toBe(b);
    expect(attempts).toBe(1);
  });

  it('reports every reason when none works', async () => {
    const r = new BackendRegistry();
    r.register({ name: 'webgpu', priority: 2, init: failing('no adapter') });
    r.register({ name: 'wasm', priority: 1, init: () => Promise.reject(new Error('wasm blocked by CSP')) });
    const e = await rejects(r.resolve());
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.details?.reasons).toEqual({ webgpu: 'no adapter', wasm: 'wasm blocked by CSP' });
    expect(e.message).toMatch(/webgpu: no adapter; wasm: wasm blocked by CSP/);
  });

  it('forces one backend, and rejects unregistered names', async () => {
    const r = createDefaultRegistry();
    expect((await r.resolve({ backend: 'wasm' })).name).toBe('wasm');
    const e = await rejects(r.resolve({ backend: 'webgpu' }));
    expect(e.code).toBe('BACKEND_UNAVAILABLE');
    expect(e.message).toMatch(/browsers only/);
    const bare = new BackendRegistry();
    expect(isEdgefedError(await rejects(bare.resolve({ backend: 'node' })), 'INVALID_ARGUMENT')).toBe(true);
    expect(() => {
      bare.register({ name: 'node', priority: Number.NaN, init: () => createNodeBackend() });
    }).toThrow(/priority/);
  });

  it('prefers node over wasm in Node', async () => {
    const r = createDefaultRegistry();
    expect(r.names()).toEqual(['node', 'wasm', 'webgpu']);
    expect((await r.resolve()).name).toBe('node');
  });
});
