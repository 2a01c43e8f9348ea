/**
 * Load generator for `npm run bench -- cluster`: one child process that opens `count` real
 * participant connections (the client library's `connect`: socket.io websocket, `hello` with
 * a join token, `welcome`, heartbeats at the coordinator's interval), spread round-robin over
 * the coordinator URLs, then stays idle until SIGTERM. It reports JSON lines on stdout:
 * `{"type":"done","connected":n,"failed":m,"codes":{...},"seconds":s}` once every attempt has
 * settled, then `{"type":"alive","connected":n}` when asked (SIGUSR2) to count again.
 *
 * Usage (the bench spawns it): load-gen.ts '{"urls":[...],"count":N,"token":"...","concurrency":C,"offset":K}'
 */
import { connect, type Connection } from '@edgefed/client';
import { isEdgefedError } from '@edgefed/shared';

interface Options {
  readonly urls: readonly string[];
  readonly count: number;
  readonly token: string;
  /** Connection attempts in flight at once. */
  readonly concurrency: number;
  /** Index of this generator's first client (for the round-robin spread). */
  readonly offset: number;
  readonly timeoutMs: number;
  /** Connection attempts per client (1: no retry). */
  readonly attempts?: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as Options;
const connections: Connection[] = [];
const codes: Record<string, number> = {};
let failed = 0;
let firstError: string | undefined;
let next = 0;
const started = performance.now();

async function worker(): Promise<void> {
  while (next < options.count) {
    const i = next++;
    const url = options.urls[(options.offset + i) % options.urls.length] ?? '';
    try {
      const c = await connect({
        url,
        token: options.token,
        capabilities: {
          runtime: 'node',
          backend: 'node',
          exampleCount: 100,
          deviceClass: 'virtual',
          eligible: true,
          clientVersion: '0.1.0',
        },
        timeoutMs: options.timeoutMs,
        reconnect: { maxAttempts: options.attempts ?? 1 },
        onListenerError: () => undefined,
      });
      connections.push(c);
    } catch (err) {
      failed++;
      const code = isEdgefedError(err) ? err.code : String(err);
      codes[code] = (codes[code] ?? 0) + 1;
      firstError ??= err instanceof Error ? err.message : String(err);
    }
  }
}

function say(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

process.on('SIGUSR2', () => {
  say({ type: 'alive', connected: connections.filter((c) => c.connected).length });
});
process.on('SIGTERM', () => {
  process.exit(0); // the sockets close with the process
});

await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, () => worker()));
say({
  type: 'done',
  connected: connections.length,
  failed,
  codes,
  ...(firstError !== undefined && { firstError }),
  seconds: (performance.now() - started) / 1000,
});
setInterval(() => undefined, 1 << 30); // stay idle (heartbeats run on their own timers)
