import { createHash } from 'node:crypto';

/** SHA-256 of the bytes of `parts` one after another (strings as UTF-8). */
export function sha256(parts: string | Uint8Array | ReadonlyArray<string | Uint8Array>, encoding: 'hex' | 'base64url' = 'hex'): string {
  const hash = createHash('sha256');
  for (const part of typeof parts === 'string' || parts instanceof Uint8Array ? [parts] : parts) hash.update(part);
  return hash.digest(encoding);
}

/** 32-bit FNV-1a of a string's UTF-16 code units, unsigned: stable across runs and machines, not cryptographic. */
export function fnv1a32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
