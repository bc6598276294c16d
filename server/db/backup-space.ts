import { statfsSync, statSync } from 'node:fs';

/** Room kept free beyond the snapshot, bytes: the compressed copy and checksum, and the store's own writes meanwhile. */
const MARGIN_BYTES = 64 * 1024 * 1024;
/** The snapshot (VACUUM INTO) is about the size of the database and its WAL; 20 % more covers the estimate's error. */
const SNAPSHOT_FACTOR = 1.2;

export interface BackupSpace {
  /** Bytes a backup of the database needs free in its work directory. */
  needed: number;
  /** Bytes free there for this (unprivileged) process. */
  available: number;
}

/** Free bytes in the file system holding `dir`, as an unprivileged process may use them. */
export function freeBytes(dir: string): number {
  const fs = statfsSync(dir);
  return fs.bavail * fs.bsize;
}

/**
 * What a backup of the database file `source` would take in `workDir` against what is free there: a full disk
 * would refuse the store's own writes (storage_full), so a backup that does not fit is not started.
 */
export function backupSpace(source: string, workDir: string, free: (dir: string) => number = freeBytes): BackupSpace {
  const databaseBytes = fileSize(source) + fileSize(`${source}-wal`);
  return { needed: Math.ceil(databaseBytes * SNAPSHOT_FACTOR) + MARGIN_BYTES, available: free(workDir) };
}

function fileSize(path: string): number {
  return statSync(path, { throwIfNoEntry: false })?.size ?? 0;
}
