import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createZstdCompress } from 'node:zlib';

/*
 * A backup is the store database as one consistent snapshot (VACUUM INTO: a read transaction, so the running
 * server keeps writing in WAL mode while it is taken), compressed with zstd (`zstd -d` opens it too), next to
 * a `sha256sum`-compatible checksum file. Both appear whole or not at all (temp file, fsync, rename) and only
 * their owner can read them: they hold customers' personal data.
 */

export const BACKUP_SUFFIX = '.db.zst';
const FILE_MODE = 0o600;
const DIR_MODE = 0o700;

/** `store.db.before-restore-<UTC time>`: the database a restore replaced (pruned by backup-retention.ts). */
export const BEFORE_RESTORE = '.before-restore-';

export function backupsDir(dataDir: string): string {
  return join(dataDir, 'backups');
}

export function checksumPath(backup: string): string {
  return `${backup}.sha256`;
}

/** The UTC second of `at` (epoch ms) as `20261203T073216Z`, for file names. */
export function utcStamp(at: number): string {
  return new Date(at).toISOString().replace(/\.\d{3}Z$/, 'Z').replace(/[-:]/g, '');
}

/** `store-S001-20261203T073216Z.db.zst`: the store and the UTC second the backup began. */
export function backupFileName(storeId: string, at: number): string {
  return `store-${storeId}-${utcStamp(at)}${BACKUP_SUFFIX}`;
}

/** Work files of a backup in progress (snapshot, partial output); left behind only by a process that died. */
export function isBackupWorkFile(name: string): boolean {
  return /^\.snapshot-\d+-\d+\.db$/.test(name) || name.endsWith('.partial');
}

/** The store and time (epoch ms) of a file named by backupFileName, else null (a file someone else put there). */
export function parseBackupFileName(name: string): { storeId: string; at: number } | null {
  const m = /^store-([A-Za-z0-9_-]{1,32})-(\d{8}T\d{6}Z)\.db\.zst$/.exec(name);
  const at = m ? parseUtcStamp(m[2]!) : null;
  return at === null ? null : { storeId: m![1]!, at };
}

/** The epoch ms of a utcStamp (`20261203T073216Z`); null when it is not one. */
export function parseUtcStamp(stamp: string): number | null {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(stamp);
  const at = m ? Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}Z`) : NaN;
  return Number.isFinite(at) ? at : null;
}

/** sha256 (hex) of a file, read as a stream. */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** The line `sha256sum` writes and `sha256sum -c` reads: the hash, two spaces, the file's name. */
export function checksumLine(sha256: string, backup: string): string {
  return `${sha256}  ${basename(backup)}\n`;
}

/** Writes a file's bytes, fsyncs them, then renames it over `to` and fsyncs the directory: whole or absent. */
function writeAtomically(to: string, data: string): void {
  const tmp = `${to}.${process.pid}-${Date.now()}.partial`;
  writeFileSync(tmp, data, { mode: FILE_MODE });
  syncFile(tmp);
  renameSync(tmp, to);
  syncFile(dirname(to));
}

export function syncFile(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

export interface BackupResult {
  path: string;
  sha256: string;
  /** Size of the compressed backup, bytes. */
  bytes: number;
  /** Size of the database snapshot before compression, bytes. */
  databaseBytes: number;
}

/**
 * Takes a backup of the database file `source` into `out` (and `out.sha256`), using `workDir` for the
 * uncompressed snapshot (removed afterwards). Safe while another process writes the database.
 */
export async function writeBackup(source: string, out: string, workDir: string): Promise<BackupResult> {
  mkdirSync(workDir, { recursive: true, mode: DIR_MODE });
  mkdirSync(dirname(out), { recursive: true, mode: DIR_MODE });
  const snapshot = join(workDir, `.snapshot-${process.pid}-${Date.now()}.db`);
  const partial = `${out}.${process.pid}-${Date.now()}.partial`;
  try {
    // VACUUM INTO accepts an empty existing file: created first, so the snapshot is never readable by others.
    writeFileSync(snapshot, '', { mode: FILE_MODE });
    const db = new Database(source, { readonly: false, create: false });
    try {
      db.exec('PRAGMA busy_timeout = 5000');
      db.query('VACUUM INTO ?').run(snapshot);
    } finally {
      db.close();
    }
    const databaseBytes = Bun.file(snapshot).size;
    const hash = createHash('sha256');
    let bytes = 0;
    const hashing = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(createReadStream(snapshot), createZstdCompress(), hashing, createWriteStream(partial, { mode: FILE_MODE }));
    syncFile(partial);
    const sha256 = hash.digest('hex');
    renameSync(partial, out);
    syncFile(dirname(out));
    writeAtomically(checksumPath(out), checksumLine(sha256, out));
    return { path: out, sha256, bytes, databaseBytes };
  } finally {
    rmSync(snapshot, { force: true });
    rmSync(partial, { force: true });
  }
}
