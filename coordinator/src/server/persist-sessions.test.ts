import { EdgefedError, PROTOCOL_VERSION, type Capabilities, type HelloMessage } from '@edgefed/shared';
import { describe, expect, it } from 'vitest';
import { ClientRegistry } from '../registry/client-registry.js';
import { ManualClock } from '../registry/clock.js';
import { hashResumeToken } from '../registry/resume-token.js';
import { createMemoryRunStore } from '../store/memory-run-store.js';
import type { RunStore } from '../store/run-store.js';
import { withSessionRestore } from './persist-sessions.js';

const caps: Capabilities = {
  runtime: 'node',
  backend: 'node',
  exampleCount: 5,
  deviceClass: 'virtual',
  eligible: true,
  clientVersion: '0.1.0',
};

const hello = (resumeToken?: string): HelloMessage => ({
  type: 'hello',
  protocolVersion: PROTOCOL_VERSION,
  token: 'join',
  capabilities: caps,
  ...(resumeToken === undefined ? {} : { resumeToken }),
});

function setup(store: Pick<RunStore, 'findClientSessionByTokenHash'> = createMemoryRunStore()) {
  const registry = new ClientRegistry<string>({ resumeGraceMs: 1_000, clock: new ManualClock() });
  const errors: unknown[] = [];
  const restored: string[] = [];
  const authenticate = withSessionRestore<string>(
    (token) => {
      if (token !== 'join') throw new EdgefedError('UNAUTHORIZED', 'bad token');
      return 'principal';
    },
    { registry, store, onError: (e) => errors.push(e), onRestored: (id) => restored.push(id) },
  );
  return { registry, authenticate, errors, restored };
}

describe('withSessionRestore', () => {
  it('brings a stored identity back so that resume keeps its id and rotates the token', async () => {
    const store = createMemoryRunStore();
    await store.upsertClientSession({
      clientId: 'c_old',
      resumeTokenHash: hashResumeToken('tok'),
      capabilities: {},
      seenAt: 7,
    });
    const { registry, authenticate, restored } = setup(store);
    expect(await authenticate('join', hello('tok'))).toBe('principal');
    expect(restored).toEqual(['c_old']);
    const admission = registry.resume('tok', {
      principal: 'principal',
      capabilities: caps,
      connectionId: 's',
    });
    expect(admission?.record).toMatchObject({ clientId: 'c_old', registeredAt: 7, resumeCount: 1 });
    expect(admission?.resumeToken).not.toBe('tok');
    // The stale token still maps to c_old in this store, but the live identity wins.
    await authenticate('join', hello('tok'));
    expect(restored).toEqual(['c_old']);
    expect(registry.size).toBe(1);
  });

  it('leaves the registry alone for unknown tokens, no token, and tokens it already knows', async () => {
    const { registry, authenticate, restored, errors } = setup();
    await authenticate('join', hello('never-issued'));
    await authenticate('join', hello());
    const live = registry.register({ principal: 'p', capabilities: caps, connectionId: 's' });
    await authenticate('join', hello(live.resumeToken));
    expect(restored).toEqual([]);
    expect(errors).toEqual([]);
    expect(registry.size).toBe(1);
  });

  it('never reaches the store when authentication fails', async () => {
    let lookups = 0;
    const store: Pick<RunStore, 'findClientSessionByTokenHash'> = {
      findClientSessionByTokenHash: () => {
        lookups++;
        return Promise.resolve(undefined);
      },
    };
    const { authenticate } = setup(store);
    await expect(authenticate('forged', hello('tok'))).rejects.toMatchObject({ code: 'UNAUTHORIZED' });
    expect(lookups).toBe(0);
  });

  it('admits the client anyway when the store fails, and reports the failure', async () => {
    const store = createMemoryRunStore();
    await store.close();
    const { registry, authenticate, errors } = setup(store);
    expect(await authenticate('join', hello('tok'))).toBe('principal');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'FAILED_PRECONDITION' });
    expect(registry.size).toBe(0);
  });
});
