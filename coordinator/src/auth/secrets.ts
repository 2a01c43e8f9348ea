/**
 * Secrets the coordinator needs (admin token, join-token signing secret). When the
 * configuration does not give them, they are generated once and kept in
 * `<dataDir>/secrets.json` (mode 0600), so restarts keep tokens valid.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EdgefedError } from '@edgefed/shared';

/** The resolved secrets. `generated` lists which ones were created by this call. */
export interface Secrets {
  readonly adminToken: string;
  readonly tokenSecret: string;
  readonly generated: readonly ('adminToken' | 'tokenSecret')[];
}

/**
 * Returns configured secrets, filling missing ones from `<dataDir>/secrets.json` or
 * generating and saving them. With `dataDir === undefined` (memory store) generated
 * secrets live only for this process.
 */
export function resolveSecrets(
  configured: { adminToken?: string | undefined; tokenSecret?: string | undefined },
  dataDir: string | undefined,
): Secrets {
  const file = dataDir === undefined ? undefined : join(dataDir, 'secrets.json');
  let saved: Partial<Record<'adminToken' | 'tokenSecret', string>> = {};
  if (file !== undefined) {
    try {
      saved = JSON.parse(readFileSync(file, 'utf8')) as typeof saved;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new EdgefedError('INVALID_CONFIG', `Cannot read ${file}`, { cause: err });
      }
    }
  }
  const generated: ('adminToken' | 'tokenSecret')[] = [];
  const pick = (key: 'adminToken' | 'tokenSecret', bytes: number): string => {
    const value = configured[key] ?? saved[key];
    if (value !== undefined) return value;
    generated.push(key);
    return randomBytes(bytes).toString('base64url');
  };
  const adminToken = pick('adminToken', 24);
  const tokenSecret = pick('tokenSecret', 32);
  if (file !== undefined && dataDir !== undefined && generated.length > 0) {
    mkdirSync(dataDir, { recursive: true });
    const toSave = { ...saved };
    if (generated.includes('adminToken')) toSave.adminToken = adminToken;
    if (generated.includes('tokenSecret')) toSave.tokenSecret = tokenSecret;
    writeFileSync(file, JSON.stringify(toSave, null, 2), { mode: 0o600 });
  }
  return { adminToken, tokenSecret, generated };
}
