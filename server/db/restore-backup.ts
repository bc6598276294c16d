import { Database } from 'bun:sqlite';
import { closeSync, createReadStream, createWriteStream, existsSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createZstdDecompress } from 'node:zlib';
import { InputError } from '../kernel/errors.ts';
import { lastSeq } from './change-log.ts';
import { BEFORE_RESTORE, checksumPath, parseBackupFileName, sha256File, syncFile, utcStamp } from './backup-file.ts';
import { dbPath } from './open.ts';
import { type RestoreRecord, writeRestoreRecord } from './restore-record.ts';
import { assertNotNewer } from './schema-version.ts';
import { runningServerPid } from './server-pid.ts';

export interface RestoreResult {
  restored: string;
  /** Where the database that was in place is kept (null when there was none). */
  keptAs: string | null;
  /** What the next push settles with central (null: a backup from before the change log). */
  record: RestoreRecord | null;
  /** When the backup was taken (epoch ms). */
  backupTakenAt: number;
}

/**
 * Puts the backup `file` in place of DATA_DIR/store.db, with the server stopped. Every check runs before
 * anything is replaced: no running server, the checksum, a database SQLite finds intact (integrity_check),
 * not from a newer release. The database that was there is kept beside it as `store.db.before-restore-<ts>`
 * (with its WAL, which may hold its last commits). Each refusal is an InputError with one line to show.
 * Once in place, the backup's last change-log number is recorded for the next push (restore-record.ts).
 */
export async function restoreBackup(dataDir: string, file: string, now: number): Promise<RestoreResult> {
  const pid = runningServerPid(dataDir);
  if (pid !== null) throw new InputError('invalid', `the store server is running (pid ${pid}): stop it before restoring`);
  if (!existsSync(file)) throw new InputError('not_found', `no backup at ${file}`);
  const sumFile = checksumPath(file);
  if (!existsSync(sumFile)) throw new InputError('not_found', `no checksum file ${sumFile}: refusing a backup that cannot be verified`);
  const expected = /^([0-9a-f]{64})\s/i.exec(readFileSync(sumFile, 'utf8'))?.[1]?.toLowerCase();
  if (!expected) throw new InputError('invalid', `${sumFile} does not hold a sha256 checksum`);
  const actual = await sha256File(file);
  if (actual !== expected) throw new InputError('invalid', `checksum mismatch: ${file} has sha256 ${actual}, ${sumFile} says ${expected}; nothing restored`);

  mkdirSync(dataDir, { recursive: true });
  const target = dbPath(dataDir);
  const staged = `${target}.restoring-${process.pid}`;
  try {
    try {
      await pipeline(createReadStream(file), createZstdDecompress(), createWriteStream(staged, { mode: 0o600 }));
    } catch (error) {
      throw new InputError('invalid', `${file} is not a readable zstd backup (${reason(error)}); nothing restored`);
    }
    checkWhole(staged, file);
    const backupLastSeq = checkDatabase(staged, file);
    syncFile(staged);
    const keptAs = existsSync(target) ? `${target}${BEFORE_RESTORE}${utcStamp(now)}` : null;
    if (keptAs) {
      renameSync(target, keptAs);
      // The WAL belongs with its database (SQLite finds it by the name + "-wal"); the -shm index is rebuilt.
      if (existsSync(`${target}-wal`)) renameSync(`${target}-wal`, `${keptAs}-wal`);
    }
    rmSync(`${target}-wal`, { force: true });
    rmSync(`${target}-shm`, { force: true });
    renameSync(staged, target);
    syncFile(dataDir);
    const backupTakenAt = parseBackupFileName(basename(file))?.at ?? statSync(file).mtimeMs;
    const record = backupLastSeq === null ? null : { backup_last_seq: backupLastSeq, backup_taken_at: backupTakenAt, restored_at: now };
    if (record) writeRestoreRecord(dataDir, record);
    return { restored: target, keptAs, record, backupTakenAt };
  } finally {
    rmSync(staged, { force: true });
    rmSync(`${staged}-wal`, { force: true });
    rmSync(`${staged}-shm`, { force: true });
  }
}

/**
 * The decompressed file is as long as its SQLite header says (page size × database size in pages, which
 * VACUUM INTO writes). Bun's zstd stream ends quietly on a truncated backup instead of failing, so the
 * length is checked here; a cut inside the database would otherwise show only as missing pages.
 */
function checkWhole(staged: string, file: string): void {
  const header = Buffer.alloc(100);
  const fd = openSync(staged, 'r');
  let read: number;
  try {
    read = readSync(fd, header, 0, 100, 0);
  } finally {
    closeSync(fd);
  }
  const actual = statSync(staged).size;
  if (read < 100) throw new InputError('invalid', `${file} is truncated or corrupt: it decompresses to ${actual} bytes, no SQLite database; nothing restored`);
  if (header.toString('latin1', 0, 16) !== 'SQLite format 3\0') throw new InputError('invalid', `${file} does not hold a SQLite database; nothing restored`);
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65_536 : rawPageSize;
  const expected = pageSize * header.readUInt32BE(28);
  if (actual !== expected) {
    throw new InputError('invalid', `${file} is truncated or corrupt: it decompresses to ${actual} bytes, its database header says ${expected}; nothing restored`);
  }
}

/**
 * The staged copy opens as an intact SQLite database of this release or an older one. Returns its last
 * change-log number (null: a database from before the change log, which its first start numbers).
 */
function checkDatabase(staged: string, file: string): number | null {
  let db: Database;
  try {
    db = new Database(staged, { readonly: true, create: false });
  } catch (error) {
    throw new InputError('invalid', `${file} does not hold a SQLite database (${reason(error)}); nothing restored`);
  }
  try {
    let result: string;
    try {
      result = db
        .query<{ integrity_check: string }, []>('PRAGMA integrity_check')
        .all()
        .flatMap((r) => r.integrity_check.split('\n'))
        .filter((line) => line.trim() !== '' && !line.startsWith('***'))
        .join('; ');
    } catch (error) {
      throw new InputError('invalid', `${file} does not hold an intact SQLite database (${reason(error)}); nothing restored`);
    }
    if (result !== 'ok') throw new InputError('invalid', `${file} fails PRAGMA integrity_check: ${result.slice(0, 300)}${result.length > 300 ? '…' : ''}; nothing restored`);
    try {
      assertNotNewer(db, file);
    } catch (error) {
      throw new InputError('invalid', `${reason(error)}; nothing restored`);
    }
    const isStore = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name IN ('__drizzle_migrations', 'transactions')").get();
    if (isStore?.n !== 2) throw new InputError('invalid', `${file} is not a store database (no migrations or transactions table); nothing restored`);
    const hasLog = db.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'change_log'").get()?.n === 1;
    return hasLog ? lastSeq(db) : null;
  } finally {
    db.close();
  }
}

const reason = (error: unknown) => (error instanceof Error ? error.message.split('\n')[0]! : String(error));
