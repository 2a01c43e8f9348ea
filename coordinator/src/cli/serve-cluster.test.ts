/**
 * `edgefed serve`'s cluster flags: `--redis` / `--node-id` (and EDGEFED_REDIS_URL /
 * EDGEFED_NODE_ID) become the config's `cluster` block; without them there is none; a bad
 * URL or node id is INVALID_CONFIG before anything starts.
 */
import { describe, expect, it } from 'vitest';
import { serveConfig } from './serve.js';

describe('edgefed serve --redis', () => {
  it('builds the cluster block from flags, with defaults', () => {
    const c = serveConfig(
      ['--store', 'memory', '--redis', 'redis://10.0.0.5:6379/2', '--node-id', 'n-1'],
      {},
    );
    expect(c !== 'help' && c.cluster).toEqual({
      redis: 'redis://10.0.0.5:6379/2',
      nodeId: 'n-1',
      nodeTtlMs: 10_000,
      leaseTtlMs: 10_000,
      keyPrefix: 'edgefed:',
    });
  });

  it('has no cluster block without --redis, and reads the environment', () => {
    const single = serveConfig(['--store', 'memory'], {});
    expect(single !== 'help' && single.cluster).toBeUndefined();
    const env = serveConfig(['--store', 'memory'], { EDGEFED_REDIS_URL: 'rediss://:pw@cache:6380' });
    expect(env !== 'help' && env.cluster?.redis).toBe('rediss://:pw@cache:6380');
    const nodeUrl = serveConfig(['--store', 'memory', '--redis', 'redis://a:1'], {
      EDGEFED_NODE_URL: 'http://node-1:8080',
    });
    expect(nodeUrl !== 'help' && nodeUrl.cluster?.nodeUrl).toBe('http://node-1:8080');
    const flagWins = serveConfig(['--store', 'memory', '--redis', 'redis://a:1'], {
      EDGEFED_REDIS_URL: 'redis://b:2',
    });
    expect(flagWins !== 'help' && flagWins.cluster?.redis).toBe('redis://a:1');
  });

  it('refuses a bad URL or node id with INVALID_CONFIG', () => {
    for (const argv of [
      ['--redis', 'http://cache:6379'],
      ['--redis', 'redis://'],
      ['--redis', 'redis://cache:6379/db'],
      ['--redis', 'redis://cache:6379', '--node-id', 'has space'],
      ['--node-id', 'only-an-id'],
    ]) {
      expect(() => serveConfig(['--store', 'memory', ...argv], {}), argv.join(' ')).toThrow(
        expect.objectContaining({ code: 'INVALID_CONFIG' }),
      );
    }
  });
});
