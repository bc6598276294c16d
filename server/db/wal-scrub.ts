import type { Database } from 'bun:sqlite';
import { BUSY_TIMEOUT_MS } from './open.ts';

/** Between attempts while a reader (a scoring thread, the checkpoint worker) holds the WAL (ms). */
const RETRY_MS = 50;

/**
 * After an erasure has committed: copies every WAL frame into the database file and truncates the WAL to zero
 * bytes, so the page images from before the erasure (which still hold the erased values) are gone from disk;
 * secure_delete (open.ts) has zeroed the freed space in the pages that replace them. Each attempt is
 * non-blocking (busy_timeout 0 for that one statement, so the event loop never waits on another connection's
 * lock); a reader still on an older snapshot makes it try again a little later. Resolves true once the WAL is
 * empty, false if `withinMs` passed first (the worker's next checkpoints copy the frames; the log is then
 * truncated by the next erasure or at the server's stop).
 */
export async function truncateWalAfterErasure(sqlite: Database, withinMs = 10_000): Promise<boolean> {
  const deadline = performance.now() + withinMs;
  for (;;) {
    if (tryTruncate(sqlite)) return true;
    if (performance.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

function tryTruncate(sqlite: Database): boolean {
  sqlite.exec('PRAGMA busy_timeout = 0');
  try {
    // busy = 1 when a reader or another checkpointer kept it from finishing.
    const row = sqlite.query<{ busy: number }, []>('PRAGMA wal_checkpoint(TRUNCATE)').get();
    return row?.busy === 0;
  } catch {
    return false;
  } finally {
    sqlite.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  }
}
