import type { Database } from 'bun:sqlite';

/*
 * Store-wide work (the daily sweep) as a sequence of bounded steps. A phase is a generator that does a
 * page of work between yields and returns its result; phases compose with `yield*`. The server runs each
 * step as its own write in the write queue, so a POS transaction waits for one step, never for the whole
 * sweep: one long write becomes thousands of short ones (see bench/RESULTS.md, bench:intelligence). The CLI and tests drain the same steps in one transaction.
 *
 * Invariant for every phase: a step holds no open statement across a yield (each page is read whole with
 * .all()), and repeating a phase from the start is harmless (a crash between steps leaves a sweep that is
 * simply run again).
 */

export type Steps<R> = Generator<void, R, void>;

/** Runs every step now, on the calling thread (inside the caller's transaction, if any). */
export function drain<R>(steps: Steps<R>): R {
  for (;;) {
    const next = steps.next();
    if (next.done) return next.value;
  }
}

/** Runs each step through `run` (the write queue: one transaction per step, other writes in between). */
export async function runStepwise<R>(run: <T>(work: () => T) => Promise<T>, steps: Steps<R>): Promise<R> {
  for (;;) {
    const next = await run(() => steps.next());
    if (next.done) return next.value;
  }
}

/** How much each step does. The defaults keep a step within a few milliseconds on a 1M-customer store. */
export interface SweepPaging {
  /** Customers per page of per-customer work. */
  customers: number;
  /** Loyalty ledger rows scanned per step for lots that expired. */
  ledgerRows: number;
  /** Customers whose points are expired per step (each replays their ledger). */
  expiryBatch: number;
  /** Sales per step when counting co-purchases. */
  transactions: number;
}

export const DEFAULT_PAGING: SweepPaging = { customers: 2000, ledgerRows: 5000, expiryBatch: 100, transactions: 500 };

/**
 * Above every customer id (the largest code point; text compares by its UTF-8 bytes): the end of the last
 * range, so that every range is a plain `id > ? AND id <= ?` that the index searches on both ends (an
 * `OR ? IS NULL` there would make each page scan to the end of the index).
 */
const AFTER_EVERY_ID = '\u{10FFFF}';

/**
 * Consecutive ranges (after, through] of customer ids in id order, `size` customers each, found from the
 * primary key. The last range is open above, so that nobody created while the pages run is missed.
 */
export function* customerRanges(sqlite: Database, size: number): Generator<{ after: string; through: string }, void, void> {
  const endOf = sqlite.query<{ id: string | null }, [string, number]>(
    'SELECT max(id) AS id FROM (SELECT id FROM customers WHERE id > ? ORDER BY id LIMIT ?)',
  );
  let after = '';
  for (;;) {
    const end = endOf.get(after, size)?.id ?? null;
    // No customer after this page: it is the last one, open above.
    if (end === null || endOf.get(end, 1)?.id === null) {
      yield { after, through: AFTER_EVERY_ID };
      return;
    }
    yield { after, through: end };
    after = end;
  }
}

/** SQL for "`column` in the range", bound as ?1 (after) and ?2 (through). */
export const IN_RANGE = (column: string) => `${column} > ?1 AND ${column} <= ?2`;
