import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../kernel/clock.ts';
import type { Config } from '../kernel/config.ts';
import { errorFields, type Logger } from '../kernel/log.ts';
import { backupFileName, type BackupResult, backupsDir } from '../db/backup-file.ts';
import { listBackups, pruneBackups, pruneBeforeRestoreCopies, removeWorkFilesOfEndedProcesses } from '../db/backup-retention.ts';
import { backupSpace, type BackupSpace, freeBytes } from '../db/backup-space.ts';

/** The first check waits this long after start, so a start-up (migrations, rescoring, the sweep) goes first. */
export const FIRST_BACKUP_CHECK_MS = 10 * 60_000;
const CHECK_EVERY_MS = 60 * 60_000;
/** A backup is due when the newest is older than this: 23 h, so hourly checks keep it near the same time of day. */
const DUE_AFTER_MS = 23 * 60 * 60_000;

export interface BackupScheduleDeps {
  config: Pick<Config, 'DATA_DIR' | 'STORE_ID' | 'BACKUP_KEEP_DAYS'>;
  /** The store database file. */
  source: string;
  clock: Clock;
  /** Takes the backup (the server: on a Worker thread, backup-in-worker.ts). */
  takeBackup: (source: string, out: string, workDir: string) => Promise<BackupResult>;
  /** Free bytes in a directory's file system (backup-space.ts; tests pass a small number). */
  freeBytes?: (dir: string) => number;
}

export type BackupCheck = { taken: BackupResult | null; pruned: string[] } | { taken: null; pruned: string[]; skipped: BackupSpace };

/**
 * Takes a backup into DATA_DIR/backups when this store's newest one there (automatic or `cli backup`) is
 * about a day old or missing, then deletes those older than BACKUP_KEEP_DAYS — only after a new one is written.
 * At every check, databases a restore replaced (store.db.before-restore-*) older than BACKUP_KEEP_DAYS go too.
 */
export async function backupIfDue(deps: BackupScheduleDeps): Promise<BackupCheck> {
  const dir = backupsDir(deps.config.DATA_DIR);
  const now = deps.clock();
  // Databases replaced by a restore age out at every check: nothing newer has to be written first.
  const replaced = pruneBeforeRestoreCopies(deps.config.DATA_DIR, deps.config.BACKUP_KEEP_DAYS, now);
  // One dated ahead of now (the box's clock was set back since) does not count, or no backup would be due until then.
  const newest = listBackups(dir, deps.config.STORE_ID).find((b) => b.at <= now);
  if (newest && now - newest.at < DUE_AFTER_MS) return { taken: null, pruned: replaced };
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const space = backupSpace(deps.source, dir, deps.freeBytes ?? freeBytes);
  if (space.available < space.needed) return { taken: null, pruned: replaced, skipped: space };
  const taken = await deps.takeBackup(deps.source, join(dir, backupFileName(deps.config.STORE_ID, now)), dir);
  return { taken, pruned: [...replaced, ...pruneBackups(dir, deps.config.STORE_ID, deps.config.BACKUP_KEEP_DAYS, deps.clock())] };
}

/** One check of the schedule: backupIfDue, with what it did (taken, skipped for space, failed) as a log event. */
export async function checkBackup(deps: BackupScheduleDeps, log: Logger): Promise<void> {
  try {
    const result = await backupIfDue(deps);
    if ('skipped' in result) log.warn('backup.skipped', { reason: 'disk_space', needed_bytes: result.skipped.needed, available_bytes: result.skipped.available });
    const { taken, pruned } = result;
    if (taken) log.info('backup.taken', { file: taken.path, bytes: taken.bytes, database_bytes: taken.databaseBytes, pruned: pruned.length, keep_days: deps.config.BACKUP_KEEP_DAYS });
  } catch (error) {
    log.error('backup.failed', errorFields(error));
  }
}

/**
 * Removes the work files a stopped process left (a snapshot is the size of the database), then checks
 * FIRST_BACKUP_CHECK_MS after start and hourly; no checks when BACKUP_KEEP_DAYS is 0.
 */
export function scheduleBackups(deps: BackupScheduleDeps, log: Logger): { stop(): void } {
  removeWorkFilesOfEndedProcesses(backupsDir(deps.config.DATA_DIR));
  if (deps.config.BACKUP_KEEP_DAYS === 0) return { stop: () => undefined };
  let running = false;
  const check = () => {
    if (running) return;
    running = true;
    void checkBackup(deps, log).finally(() => {
      running = false;
    });
  };
  let interval: ReturnType<typeof setInterval> | undefined;
  const first = setTimeout(() => {
    check();
    interval = setInterval(check, CHECK_EVERY_MS);
  }, FIRST_BACKUP_CHECK_MS);
  return {
    stop: () => {
      clearTimeout(first);
      clearInterval(interval);
    },
  };
}
