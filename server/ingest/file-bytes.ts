import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';

/**
 * A history file's bytes as a stream, gunzipped when the file starts with the gzip magic (whatever its
 * name), with progress counted in bytes of the file itself. Rejects when the file cannot be opened; a
 * read or gunzip error (a truncated .gz) surfaces on the returned stream.
 */
export async function openFileBytes(path: string, onProgress?: (bytesRead: number, totalBytes: number) => void): Promise<Readable> {
  const handle = await open(path, 'r');
  const magic = Buffer.alloc(2);
  const { bytesRead: magicBytes } = await handle.read(magic, 0, 2, 0);
  const totalBytes = (await handle.stat()).size;
  await handle.close();

  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  let bytesRead = 0;
  raw.on('data', (b: Buffer | string) => {
    bytesRead += b.length;
    onProgress?.(bytesRead, totalBytes);
  });
  const gzip = magicBytes === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  if (!gzip) return raw;
  const gunzipped = raw.pipe(createGunzip());
  raw.on('error', (e) => gunzipped.destroy(e));
  return gunzipped;
}
