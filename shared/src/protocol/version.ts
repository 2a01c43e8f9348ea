/**
 * Protocol versioning: edgefed's wire protocol follows semantic versioning. Peers are
 * compatible when their MAJOR versions match and neither is older than the other's
 * {@link MIN_PROTOCOL_VERSION}. A MINOR bump usually only adds optional fields or message
 * types, which older peers ignore or answer with UNKNOWN_MESSAGE_TYPE; when a minor moves
 * a field (1.2.0 moved the model spec, compression and seed out of `task.config`), the
 * minimum rises with it and an older peer is refused with PROTOCOL_VERSION at `hello`
 * (the coordinator) or `welcome` (the participant) instead of misreading messages.
 */
import { EdgefedError } from '../errors.js';

/** The protocol version this build speaks. See docs/protocol.md for the history. */
export const PROTOCOL_VERSION = '1.3.0';

/**
 * The oldest peer version this build talks to: 1.2.0, whose tasks carry `modelSpec`,
 * `compression` and `seed` as typed fields (a 1.1 participant would look for them in
 * `config`). See docs/protocol.md's version history.
 */
export const MIN_PROTOCOL_VERSION = '1.2.0';

/** A parsed semantic version (pre-release and build metadata kept as text). */
export interface SemVer {
  readonly major: number;
  readonly minor: number;
  readonly patch: number;
  readonly prerelease?: string;
}

/** The outcome of a successful {@link checkProtocolVersion}. */
export interface ProtocolCompat {
  readonly local: SemVer;
  readonly remote: SemVer;
  /** True when both sides speak exactly the same version. */
  readonly exact: boolean;
  /** True when the remote side is a newer minor/patch than this build (it may send extras). */
  readonly remoteIsNewer: boolean;
}

const SEMVER =
  /^(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})\.(0|[1-9]\d{0,8})(?:-([0-9A-Za-z.-]{1,64}))?(?:\+[0-9A-Za-z.-]{1,64})?$/;

/**
 * Parses `MAJOR.MINOR.PATCH[-prerelease][+build]`. Returns undefined for anything else
 * (leading zeros, missing parts, non-strings, overlong numbers).
 */
export function parseSemVer(value: unknown): SemVer | undefined {
  if (typeof value !== 'string') return undefined;
  const m = SEMVER.exec(value);
  if (m === null) return undefined;
  const [, major, minor, patch, prerelease] = m;
  const base = { major: Number(major), minor: Number(minor), patch: Number(patch) };
  return prerelease === undefined ? base : { ...base, prerelease };
}

function compare(a: SemVer, b: SemVer): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

/**
 * Checks a peer's protocol version against ours (default {@link PROTOCOL_VERSION}).
 * Compatible when the MAJOR parts match and, when `minimumVersion` is given (peers pass
 * {@link MIN_PROTOCOL_VERSION}), the peer is not older than it; pre-release tags are
 * ignored for compatibility.
 *
 * @throws EdgefedError `PROTOCOL_VERSION` when the version does not parse, the majors
 *   differ, or it is below `minimumVersion`; `details` carries `expected`, `received` and
 *   `supportedMajor` (and `minimum` for the last case).
 */
export function checkProtocolVersion(
  remoteVersion: unknown,
  localVersion: string = PROTOCOL_VERSION,
  minimumVersion?: string,
): ProtocolCompat {
  const local = parseSemVer(localVersion);
  if (local === undefined) {
    throw new EdgefedError('INVALID_ARGUMENT', `Local protocol version "${localVersion}" is not semver`);
  }
  const remote = parseSemVer(remoteVersion);
  const received = typeof remoteVersion === 'string' ? remoteVersion.slice(0, 64) : typeof remoteVersion;
  const details = { expected: localVersion, supportedMajor: local.major, received };
  if (remote === undefined) {
    throw new EdgefedError(
      'PROTOCOL_VERSION',
      `Protocol version "${received}" is not semver (want ${local.major}.x.y)`,
      {
        details,
      },
    );
  }
  if (remote.major !== local.major) {
    throw new EdgefedError(
      'PROTOCOL_VERSION',
      `Incompatible protocol version ${received}: this peer speaks ${localVersion} (major ${local.major} required)`,
      { details },
    );
  }
  const minimum = minimumVersion === undefined ? undefined : parseSemVer(minimumVersion);
  if (minimumVersion !== undefined && minimum === undefined) {
    throw new EdgefedError('INVALID_ARGUMENT', `Minimum protocol version "${minimumVersion}" is not semver`);
  }
  if (minimum !== undefined && compare(remote, minimum) < 0) {
    throw new EdgefedError(
      'PROTOCOL_VERSION',
      `Protocol version ${received} is too old: this peer speaks ${localVersion} and needs at least ${minimumVersion ?? ''}`,
      { details: { ...details, minimum: minimumVersion } },
    );
  }
  const order = compare(remote, local);
  return {
    local,
    remote,
    exact: order === 0 && remote.prerelease === local.prerelease,
    remoteIsNewer: order > 0,
  };
}
