import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { createDataset, exampleLabels } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { datasetFromShared, shareDataset, type SharedDataset } from './shared-dataset.js';

describe('shared datasets with per-position labels', () => {
  it('keep labelShape and alias the same memory after a structured clone', () => {
    const d = createDataset({
      features: Float32Array.from([0, 1, 2, 3, 4, 5]),
      labels: Int32Array.from([1, 2, 3, 4, 5, -1]),
      featureShape: [3],
      labelShape: [3],
      numClasses: 6,
    });
    const shared = shareDataset(d);
    expect(shared.labels.buffer).toBeInstanceOf(SharedArrayBuffer);
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(shared);
    const received = receiveMessageOnPort(port2)?.message as SharedDataset;
    port1.close();
    const view = datasetFromShared(received);
    expect(view).toMatchObject({ size: 2, labelShape: [3], labelSize: 3, numClasses: 6 });
    expect([...exampleLabels(view, 1)]).toEqual([4, 5, -1]);
    // Same memory, not a copy: a write on one side is seen on the other.
    (shared.labels as Int32Array)[0] = 2;
    expect(view.labels[0]).toBe(2);
    expect(() => datasetFromShared({ ...received, labels: new Int32Array(6) })).toThrow(/SharedArrayBuffer/);
  });
});
