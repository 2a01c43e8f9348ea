/**
 * Client ids and resume tokens. Ids are random and url-safe; resume tokens are 256-bit
 * random secrets of which the coordinator keeps only the SHA-256 hash.
 */
import { createHash, randomBytes } from 'node:crypto';

/** A new random client id: `c_` + 16 url-safe characters (96 random bits). */
export function newClientId(): string {
  return `c_${randomBytes(12).toString('base64url')}`;
}

/** A new resume token: 43 url-safe characters (256 random bits). Show it only to its owner. */
export function newResumeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The stored form of a resume token: hex SHA-256. */
export function hashResumeToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
