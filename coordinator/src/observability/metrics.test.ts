import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.js';

describe('coordinator metrics', () => {
  it('keeps separate registries and renders Prometheus text', async () => {
    const a = createMetrics();
    const b = createMetrics();
    a.rejectedMessages.inc({ code: 'INVALID_MESSAGE' });
    a.connectedClients.set(3);
    const text = await a.registry.metrics();
    expect(text).toContain('edgefed_rejected_messages_total{code="INVALID_MESSAGE"} 1');
    expect(text).toContain('edgefed_connected_clients 3');
    expect(await b.registry.metrics()).not.toContain('code="INVALID_MESSAGE"');
  });
});
