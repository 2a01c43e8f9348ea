/**
 * `edgefed token create --run ID`: prints a join token for participants, signed with the
 * coordinator's token secret (from EDGEFED_TOKEN_SECRET, the config, or DIR/secrets.json).
 */
import { EdgefedError } from '@edgefed/shared';
import { createJoinToken } from '../auth/join-token.js';
import { resolveSecrets } from '../auth/secrets.js';
import { loadConfig } from '../config/load.js';
import { intFlag, parseFlags, strFlag } from './args.js';

export const TOKEN_HELP = `Usage: edgefed token create --run ID [--ttl SECONDS] [--subject S] [--data-dir DIR] [--config FILE]

Prints a join token (HMAC-signed, scoped to run ID or "*" for any run, default lifetime 7 days).`;

/** `edgefed token ...`. */
export function runTokenCommand(argv: string[]): number {
  const [sub, ...rest] = argv;
  const { values } = parseFlags(rest, {
    run: { type: 'string' },
    ttl: { type: 'string' },
    subject: { type: 'string' },
    'data-dir': { type: 'string' },
    config: { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  });
  if (values.help === true || sub === undefined || sub === '--help' || sub === '-h') {
    console.log(TOKEN_HELP);
    return 0;
  }
  if (sub !== 'create')
    throw new EdgefedError('INVALID_ARGUMENT', `Unknown token command "${sub}" (expected "create")`);
  const run = strFlag(values, 'run');
  if (run === undefined) throw new EdgefedError('INVALID_ARGUMENT', '--run is required (a run id, or "*")');
  const file = strFlag(values, 'config');
  const config = loadConfig({
    ...(file === undefined ? {} : { file }),
    env: process.env,
    overrides: { store: { dataDir: strFlag(values, 'data-dir') } },
  });
  const secrets = resolveSecrets(config.auth, config.store.dataDir);
  const ttl = intFlag(values, 'ttl', 1);
  const subject = strFlag(values, 'subject');
  console.log(
    createJoinToken({
      secret: secrets.tokenSecret,
      run,
      ...(ttl === undefined ? {} : { ttlSeconds: ttl }),
      ...(subject === undefined ? {} : { subject }),
    }),
  );
  return 0;
}
