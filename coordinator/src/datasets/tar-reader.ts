/**
 * A minimal reader for (uncompressed) tar archives, enough for npm package tarballs:
 * ustar headers with the name prefix field, pax extended headers (`path=`), GNU long
 * names (`././@LongLink`). Only regular files are returned; directories, links and other
 * entries are skipped. Gunzip first (`node:zlib`).
 */
import { EdgefedError } from '@edgefed/shared';

/** One regular file of the archive; `data` is a view into the archive's bytes. */
export interface TarEntry {
  readonly name: string;
  readonly data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function text(bytes: Uint8Array, start: number, length: number): string {
  const field = bytes.subarray(start, start + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

function octal(bytes: Uint8Array, start: number, length: number, at: number): number {
  const s = text(bytes, start, length).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s))
    throw new EdgefedError('CORRUPT_PAYLOAD', `Bad tar number "${s}" in the header at ${at}`);
  return parseInt(s, 8);
}

function checksumOk(header: Uint8Array, at: number): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : (header[i] as number);
  return sum === octal(header, 148, 8, at);
}

function paxPath(data: Uint8Array): string | undefined {
  for (const record of decoder.decode(data).split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(record);
    if (m !== null) return m[1];
  }
  return undefined;
}

/**
 * The regular files of a tar archive, in archive order. Stops at the end-of-archive
 * zero block (or the end of the bytes). Throws `CORRUPT_PAYLOAD` for a header whose
 * checksum or size field is wrong and `TRUNCATED_PAYLOAD` when a file runs past the end.
 */
export function readTar(archive: Uint8Array): TarEntry[] {
  const out: TarEntry[] = [];
  let at = 0;
  let longName: string | undefined;
  while (at + BLOCK <= archive.length) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    if (!checksumOk(header, at))
      throw new EdgefedError('CORRUPT_PAYLOAD', `Bad tar header checksum at ${at}`);
    const size = octal(header, 124, 12, at);
    const type = String.fromCharCode(header[156] ?? 0);
    const start = at + BLOCK;
    if (start + size > archive.length)
      throw new EdgefedError('TRUNCATED_PAYLOAD', `Tar entry at ${at} needs ${size} bytes past the end`);
    const data = archive.subarray(start, start + size);
    at = start + Math.ceil(size / BLOCK) * BLOCK;
    if (type === 'x') {
      longName = paxPath(data) ?? longName;
      continue;
    }
    if (type === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    const prefix = text(header, 345, 155);
    const name = longName ?? (prefix === '' ? text(header, 0, 100) : `${prefix}/${text(header, 0, 100)}`);
    longName = undefined;
    if (type === '0' || type === '\0' || type === '7') out.push({ name, data });
  }
  return out;
}
