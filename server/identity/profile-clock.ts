import type { Database } from 'bun:sqlite';
import { getMetric, setMetric } from '../db/store-metrics.ts';
import { ClockSkewError, decodeHlc, encodeHlc, type Hlc, receive, tick, zeroHlc } from '../../sync/hlc.ts';

/*
 * The store's hybrid logical clock (sync/hlc.ts), kept in store_metrics so that it never goes backwards across
 * restarts. Every profile write takes a timestamp from it (in the writer's transaction), and every timestamp
 * the store takes from central moves it past that write: a later local edit then orders after what the store
 * has seen, whatever its wall clock says.
 */

export const PROFILE_CLOCK_METRIC = 'sync.hlc';

/** The clock as last persisted (node = this store). */
export function readProfileClock(sqlite: Database, storeId: string): Hlc {
  const stored = getMetric<string>(sqlite, PROFILE_CLOCK_METRIC);
  return stored === null ? zeroHlc(storeId) : { ...decodeHlc(stored), node: storeId };
}

/** The encoded timestamp of a profile write at `now`; the clock moves on. */
export function tickProfileClock(sqlite: Database, storeId: string, now: number): string {
  const next = encodeHlc(tick(readProfileClock(sqlite, storeId), now));
  setMetric(sqlite, PROFILE_CLOCK_METRIC, next, now);
  return next;
}

/**
 * Moves the clock past a timestamp received from central. One from more than `maxDriftMs` ahead of `now` (a
 * skewed clock somewhere) does not drag this one into the future: it is left as it is.
 */
export function observeProfileClock(sqlite: Database, storeId: string, remote: string, now: number, maxDriftMs: number): void {
  try {
    setMetric(sqlite, PROFILE_CLOCK_METRIC, encodeHlc(receive(readProfileClock(sqlite, storeId), decodeHlc(remote), now, maxDriftMs)), now);
  } catch (e) {
    if (!(e instanceof ClockSkewError)) throw e;
  }
}
