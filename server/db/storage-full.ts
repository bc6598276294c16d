import { AppError } from '../kernel/errors.ts';

/**
 * A write refused because the disk (or the database's size limit) is full: SQLite's SQLITE_FULL (its unix
 * layer maps ENOSPC on write to it, and `max_page_count` raises it too), SQLITE_IOERR with ENOSPC underneath,
 * or a plain ENOSPC from node:fs (the WAL fsync, a file the appliance writes).
 */
export function isStorageFull(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code, errno } = error as { code?: unknown; errno?: unknown };
  if (code === 'ENOSPC' || code === 'SQLITE_FULL') return true;
  // bun:sqlite: errno is SQLite's extended result code; SQLITE_FULL = 13 (it has no extended codes).
  if (typeof code === 'string' && code.startsWith('SQLITE_') && errno === 13) return true;
  return /database or disk is full|no space left on device/i.test(error.message);
}

export function storageFullError(error: unknown): AppError {
  return new AppError(503, 'storage_full', 'the store\'s disk is full: nothing of this request was stored; retry once space is freed', {
    cause: error instanceof Error ? error.message : String(error),
  });
}
