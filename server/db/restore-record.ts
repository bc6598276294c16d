import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { syncFile } from './backup-file.ts';

/*
 * What `cli restore` leaves for the store's next push: the restored database's last change-log number. The
 * facts numbered after it were written after the restore; central may hold other facts under those numbers
 * (the ones the restore threw away), so the push asks central's cursor before it sends any of them.
 */

export interface RestoreRecord {
  /** The backup's last change-log number (0: an empty log). */
  backup_last_seq: number;
  /** When the backup was taken (epoch ms; from its file name, else its file's modification time). */
  backup_taken_at: number;
  /** When it was restored (epoch ms). */
  restored_at: number;
}

const recordFile = (dataDir: string) => join(dataDir, 'sync-restored-from.json');

/** Written whole (temporary file, fsync, rename) after the restored database is in place. */
export function writeRestoreRecord(dataDir: string, record: RestoreRecord): void {
  const file = recordFile(dataDir);
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(record), { mode: 0o600 });
  syncFile(tmp);
  renameSync(tmp, file);
  syncFile(dataDir);
}

/** The restore not yet reconciled with central (null: none, or one this store's push has settled). */
export function readRestoreRecord(dataDir: string): RestoreRecord | null {
  const file = recordFile(dataDir);
  if (!existsSync(file)) return null;
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<RestoreRecord>;
  return typeof parsed.backup_last_seq === 'number' ? (parsed as RestoreRecord) : null;
}

export function clearRestoreRecord(dataDir: string): void {
  rmSync(recordFile(dataDir), { force: true });
}
