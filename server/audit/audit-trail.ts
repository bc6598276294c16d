import type { Database } from 'bun:sqlite';
import type { WriteQueue } from '../db/write-queue.ts';
import type { Clock } from '../kernel/clock.ts';
import { type AuditRow, insertAuditRows } from './audit-rows.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

/**
 * How long recorded reads wait in memory before they are written together (ms). A read never waits for its audit
 * row: the rows of this interval go to the write queue as one write. The price: a crash loses at most the rows
 * of the last interval (plus the group being made durable at that instant).
 */
export const AUDIT_FLUSH_MS = 250;

/** Past this many waiting rows a flush starts at once rather than at the end of the interval. */
const FLUSH_AT_ROWS = 2000;

/** Rows kept waiting while the database refuses writes (a full disk); past it the oldest are dropped, and said so. */
const MAX_WAITING_ROWS = 100_000;

export interface AuditTrail {
  /** Records a read now; written within AUDIT_FLUSH_MS. */
  record(row: Omit<AuditRow, 'at'>): void;
  /** Writes every row recorded so far; resolves once they are committed and on disk. */
  flush(): Promise<void>;
  /** Cancels the pending interval without writing: for a caller about to close the database it no longer needs (tests). */
  cancel(): void;
}

export function createAuditTrail(deps: { sqlite: Database; writes: WriteQueue; clock: Clock; log: Logger }): AuditTrail {
  let waiting: AuditRow[] = [];
  let timer: ReturnType<typeof setTimeout> | null = null;

  async function flush(): Promise<void> {
    if (timer) clearTimeout(timer);
    timer = null;
    if (waiting.length === 0) return;
    const rows = waiting;
    waiting = [];
    try {
      await deps.writes.run(() => insertAuditRows(deps.sqlite, rows));
    } catch (error) {
      // Kept for the next flush, in order; the reads themselves were answered already.
      waiting = [...rows, ...waiting];
      const dropped = waiting.length - MAX_WAITING_ROWS;
      if (dropped > 0) waiting = waiting.slice(dropped);
      // No retry of its own: the next recorded read or flush tries again, so a closed database is not polled.
      deps.log.error('audit.write_failed', { ...errorFields(error), rows: rows.length, dropped });
    }
  }

  function schedule(): void {
    if (timer || waiting.length === 0) return;
    timer = setTimeout(() => void flush(), AUDIT_FLUSH_MS);
    // A one-shot command (the CLI) exits without waiting for the interval; the server flushes at its stop.
    timer.unref?.();
  }

  return {
    record(row) {
      waiting.push({ ...row, at: deps.clock() });
      if (waiting.length >= FLUSH_AT_ROWS) void flush();
      else schedule();
    },
    flush,
    cancel() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
