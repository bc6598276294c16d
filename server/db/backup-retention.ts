import { readdirSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { BEFORE_RESTORE, checksumPath, isBackupWorkFile, parseBackupFileName, parseUtcStamp } from './backup-file.ts';
import { dbPath } from './open.ts';
import { isProcessRunning } from '../kernel/process-running.ts';

const DAY_MS = 86_400_000;

/** This store's backups in `dir` (files named by backupFileName), newest first; other files are not ours. */
export function listBackups(dir: string, storeId: string): Array<{ path: string; at: number }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .flatMap((name) => {
      const parsed = parseBackupFileName(name);
      return parsed && parsed.storeId === storeId ? [{ path: join(dir, name), at: parsed.at }] : [];
    })
    .sort((a, b) => b.at - a.at);
}

/**
 * Deletes this store's backups (and their checksum files) taken more than `keepDays` days before `now`
 * (epoch ms), never the newest one: a store that was switched off for weeks keeps its last backup.
 * Returns the deleted backups' paths.
 */
export function pruneBackups(dir: string, storeId: string, keepDays: number, now: number): string[] {
  const [, ...older] = listBackups(dir, storeId);
  const expired = older.filter((b) => b.at < now - keepDays * DAY_MS);
  for (const b of expired) {
    rmSync(checksumPath(b.path), { force: true });
    rmSync(b.path, { force: true });
  }
  removeStaleWorkFiles(dir, now);
  return expired.map((b) => b.path);
}

/** The process that writes a work file (its name holds the pid), or null for a name of another form. */
function workFileOwner(name: string): number | null {
  const m = /^\.snapshot-(\d+)-\d+\.db$/.exec(name) ?? /\.(\d+)-\d+\.partial$/.exec(name);
  return m ? Number(m[1]) : null;
}

/**
 * Removes the work files in `dir` of processes no longer running (a server or CLI stopped mid-backup): at the
 * server's start, since a snapshot is as big as the database and the next backup may not fit beside it.
 */
export function removeWorkFilesOfEndedProcesses(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names.filter(isBackupWorkFile)) {
    const pid = workFileOwner(name);
    if (pid !== null && !isProcessRunning(pid)) rmSync(join(dir, name), { force: true });
  }
}

/** Work files of backups whose process died (a day old: no backup runs that long), e.g. a server stopped mid-backup. */
function removeStaleWorkFiles(dir: string, now: number): void {
  for (const name of readdirSync(dir).filter(isBackupWorkFile)) {
    const path = join(dir, name);
    const modifiedAt = statSync(path, { throwIfNoEntry: false })?.mtimeMs;
    if (modifiedAt !== undefined && modifiedAt < now - DAY_MS) rmSync(path, { force: true });
  }
}

/**
 * Deletes the databases restores replaced (`store.db.before-restore-<UTC time>`, with their -wal and -shm)
 * kept more than `keepDays` days since that restore: they hold values erased since, like a backup, so they
 * age out with the same retention (all of them: the live database is the newest copy). Returns their paths.
 */
export function pruneBeforeRestoreCopies(dataDir: string, keepDays: number, now: number): string[] {
  const prefix = `${basename(dbPath(dataDir))}${BEFORE_RESTORE}`;
  let names: string[];
  try {
    names = readdirSync(dataDir);
  } catch {
    return [];
  }
  const expired = names
    .filter((name) => name.startsWith(prefix))
    .filter((name) => {
      const at = parseUtcStamp(name.slice(prefix.length));
      return at !== null && at < now - keepDays * DAY_MS;
    })
    .map((name) => join(dataDir, name));
  for (const path of expired) for (const f of [`${path}-wal`, `${path}-shm`, path]) rmSync(f, { force: true });
  return expired;
}
