/**
 * The backend conformance suite on onnxruntime-node and on onnxruntime-web's wasm backend
 * (both run in Node). WebGPU runs the same cases in headless Chromium
 * (tests/runtime/webgpu.test.ts).
 */
import { describe, it } from 'vitest';
import { backendConformance } from '../testing/backend-conformance.js';
import { createNodeBackend } from './node-backend.js';
import { createWasmBackend } from './wasm-backend.js';

describe('TrainingBackend conformance', () => {
  for (const c of backendConformance('node', () => createNodeBackend({ intraOpNumThreads: 1 })))
    it(c.name, c.run);
  for (const c of backendConformance('wasm', () => createWasmBackend())) it(c.name, c.run);
});
