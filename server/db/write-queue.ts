import type { Database } from 'bun:sqlite';
import { preparedSavepoint } from './savepoint.ts';
import { AppError } from '../kernel/errors.ts';
import { isStorageFull, storageFullError } from './storage-full.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

/*
 * Group commit. bun:sqlite is synchronous, so one transaction and one fsync per request would cap ingest
 * at the disk's fsync rate and stall the event loop. Requests instead queue here; a flush scheduled with
 * setImmediate runs after the event loop has read every request already on the wire, applies them all in
 * ONE transaction, each in its own SAVEPOINT (a bad item rolls back alone), and COMMITs once. The callers'
 * promises are resolved only after `durable()` (an fsync of the WAL, off the event loop) has covered that
 * COMMIT: a 2xx is never sent for data that is not on disk. While one group waits for its fsync the next
 * group is already being applied. If the COMMIT or the fsync fails, everyone in the group gets a 503.
 *
 * A full disk (SQLITE_FULL/ENOSPC) inside one item is not that item's fault and may already have made SQLite
 * roll the whole transaction back on its own (it may do so on SQLITE_FULL/IOERR), after which further items
 * would run in autocommit and be stored outside the group. So the group is abandoned at that item: rolled
 * back whole, everyone answered 503 `storage_full`, and the next group tries again (space may be back).
 */

/** Thrown out of an item to abandon its group; carries the item's error. */
class GroupAbort extends Error {
  constructor(readonly reason: unknown) {
    super('group abandoned');
  }
}

interface Pending<T> {
  work: () => T;
  resolve: (value: T) => void;
  reject: (error: unknown) => void;
  /** Derived data only: answered at COMMIT, without waiting for the fsync. */
  derived: boolean;
}

export interface WriteQueue {
  run<T>(work: () => T): Promise<T>;
  /**
   * For derived rows that can always be recomputed from facts (shown actions, scores): applied in the
   * next group like `run`, but answered as soon as the group has committed, without waiting for its
   * fsync. Never for facts.
   */
  runDerived<T>(work: () => T): Promise<T>;
  runMany<T>(works: ReadonlyArray<() => T>): Promise<Array<{ ok: true; value: T } | { ok: false; error: unknown }>>;
  /** Waits until everything queued so far is committed and on disk. */
  drain(): Promise<void>;
  /** Writes queued and not yet started (for /metrics). */
  depth(): number;
}

export interface WriteQueueOptions {
  maxGroup?: number;
  durable: () => Promise<void>;
  log: Logger;
  /**
   * Called when a failed ROLLBACK leaves the connection inside its transaction: every later BEGIN would fail.
   * The appliance exits 1 and systemd restarts it; the WAL keeps everything committed.
   */
  fatal: () => void;
}

/** Whether the connection is inside a transaction; false once it is closed. */
function stillInTransaction(sqlite: Database): boolean {
  try {
    return sqlite.inTransaction;
  } catch {
    return false;
  }
}

export function createWriteQueue(sqlite: Database, opts: WriteQueueOptions): WriteQueue {
  const maxGroup = opts.maxGroup ?? 2000;
  const savepoint = preparedSavepoint(sqlite, 'item');
  let queue: Array<Pending<unknown>> = [];
  let scheduled = false;

  const schedule = () => {
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };

  function flush(): void {
    scheduled = false;
    const group = queue.splice(0, maxGroup);
    if (queue.length > 0) schedule();
    if (group.length === 0) return;
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      sqlite.run('BEGIN IMMEDIATE');
      for (const item of group) {
        try {
          outcomes.push({ ok: true, value: savepoint.run(item.work) });
        } catch (error) {
          // Out of the transaction: SQLite rolled it back itself; the items after this one must not autocommit.
          if (isStorageFull(error) || !sqlite.inTransaction) throw new GroupAbort(error);
          outcomes.push({ ok: false, error });
        }
      }
      sqlite.run('COMMIT');
    } catch (thrown) {
      const error = thrown instanceof GroupAbort ? thrown.reason : thrown;
      try {
        if (sqlite.inTransaction) sqlite.run('ROLLBACK');
      } catch (rollbackError) {
        // A ROLLBACK of a WAL transaction writes nothing; if it fails all the same and leaves the connection in
        // its transaction, every later BEGIN fails: only a new process recovers. A closed database (someone is
        // stopping) is stuck in nothing.
        const stuck = stillInTransaction(sqlite);
        opts.log.error('write_queue.rollback_failed', { ...errorFields(rollbackError), group: group.length, stuck });
        if (stuck) opts.fatal();
      }
      const failure = isStorageFull(error)
        ? storageFullError(error)
        : new AppError(503, 'unavailable', 'the store database could not commit; nothing was stored', {
            cause: error instanceof Error ? error.message : String(error),
          });
      for (const item of group) item.reject(failure);
      return;
    }
    const settle = (item: Pending<unknown>, i: number) => {
      const o = outcomes[i]!;
      if (o.ok) item.resolve(o.value);
      else item.reject(o.error);
    };
    group.forEach((item, i) => item.derived && settle(item, i));
    const facts = group.filter((item) => !item.derived);
    if (facts.length === 0) return;
    opts.durable().then(
      () => group.forEach((item, i) => !item.derived && settle(item, i)),
      (error: unknown) => {
        // Committed but not known to be on disk: no success may be claimed. A retry of the same
        // transaction is answered from what was stored (replay), so nothing is counted twice.
        const failure = new AppError(503, 'unavailable', 'the store database could not confirm the write; retry', {
          cause: error instanceof Error ? error.message : String(error),
        });
        for (const item of facts) item.reject(failure);
      },
    );
  }

  const enqueue = <T>(work: () => T, derived: boolean): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      queue.push({ work, resolve: resolve as (v: unknown) => void, reject, derived });
      schedule();
    });
  const run = <T>(work: () => T) => enqueue(work, false);

  return {
    run,
    runDerived: (work) => enqueue(work, true),
    runMany: (works) =>
      Promise.all(
        works.map((w) =>
          run(w).then(
            (value) => ({ ok: true as const, value }),
            (error: unknown) => ({ ok: false as const, error }),
          ),
        ),
      ),
    drain: () => run(() => undefined),
    depth: () => queue.length,
  };
}
