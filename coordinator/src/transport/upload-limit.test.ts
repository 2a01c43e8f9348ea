/**
 * TaskUploadLimits: the model's bound at the task's compression plus the framing slack,
 * capped by the coordinator's limit; the `none` bound for secure-aggregation tasks; the cap
 * for a spec that does not plan.
 */
import { describe, expect, it } from 'vitest';
import { MODEL_PRESETS, UPDATE_FRAMING_SLACK_BYTES } from '@edgefed/shared';
import { TaskUploadLimits } from './upload-limit.js';

const spec = JSON.stringify(MODEL_PRESETS['2nn']);

describe('TaskUploadLimits', () => {
  it('bounds a task by its model at its compression, never above the cap', () => {
    const limits = new TaskUploadLimits(256 * 1024 * 1024);
    const none = limits.forTask({ modelSpec: spec });
    const int8 = limits.forTask({ modelSpec: spec, compression: { method: 'int8' } });
    // 199,210 float32 parameters plus a small header and the slack.
    expect(none).toBeGreaterThan(4 * 199_210 + UPDATE_FRAMING_SLACK_BYTES);
    expect(none).toBeLessThan(4 * 199_210 + UPDATE_FRAMING_SLACK_BYTES + 1024);
    expect(int8).toBeLessThan(none / 3);
    expect(new TaskUploadLimits(1000).forTask({ modelSpec: spec })).toBe(1000);
  });

  it('gives a secure-aggregation task the uncompressed bound, which holds its masked words', () => {
    const limits = new TaskUploadLimits(256 * 1024 * 1024);
    const secure = limits.forTask({
      modelSpec: spec,
      compression: { method: 'int8' },
      secureAggregation: {},
    });
    expect(secure).toBe(limits.forTask({ modelSpec: spec }));
    expect(secure).toBeGreaterThanOrEqual(4 * (199_210 + 1));
  });

  it('falls back to the cap for a model spec that does not plan', () => {
    expect(new TaskUploadLimits(5000).forTask({ modelSpec: '{"layers": 3}' })).toBe(5000);
    expect(new TaskUploadLimits(5000).forTask({ modelSpec: 'not json' })).toBe(5000);
  });
});
