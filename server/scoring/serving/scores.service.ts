import type { Database } from 'bun:sqlite';
import { getMetric, setMetric } from '../../db/store-metrics.ts';
import { chunkEnd } from './db-history.ts';
import type { ScoreEngine, ScoredChunk } from './score-engine.ts';

/*
 * Keeps customer_scores (derived: it can always be recomputed from facts) from what the score engine
 * computes. One customer after each of their transactions (rescore-queue.ts), everyone by `cli rescore`
 * and the schedule.
 */

export interface ScoringDeps {
  /** The writing connection. */
  sqlite: Database;
  engine: ScoreEngine;
  /** Runs a write with the store's other writes (the write queue's derived path), so it never lands inside another transaction. */
  write: <T>(work: () => T) => Promise<T>;
}

/** Rows per write: each write (and its COMMIT) is a step of the event loop that POS requests queue behind; a stored score is ~1.5 KB, so 25 rows commit in about a millisecond. */
const ROWS_PER_WRITE = 25;

async function storeScores(deps: ScoringDeps, chunk: ScoredChunk, now: number): Promise<void> {
  const upsert = deps.sqlite.query(
    `INSERT INTO customer_scores (customer_id, model_version, scored_at, p_purchase, expected_purchases, horizon_days, clv, reasons, recommendations)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (customer_id) DO UPDATE SET model_version = excluded.model_version, scored_at = excluded.scored_at,
       p_purchase = excluded.p_purchase, expected_purchases = excluded.expected_purchases, horizon_days = excluded.horizon_days,
       clv = excluded.clv, reasons = excluded.reasons, recommendations = excluded.recommendations`,
  );
  for (let start = 0; start < chunk.rows.length; start += ROWS_PER_WRITE) {
    const rows = chunk.rows.slice(start, start + ROWS_PER_WRITE);
    await deps.write(() => {
      for (const r of rows) {
        upsert.run(r.customerId, chunk.version, now, r.pPurchase, r.expectedPurchases, chunk.horizonDays, r.clv, r.reasonsJson, r.recommendationsJson);
      }
    });
  }
}

/** Rescores the given customers now. Returns how many got a score (those with a purchase); 0 without models. */
export async function rescoreCustomers(deps: ScoringDeps, customerIds: readonly string[], now: number): Promise<number> {
  const chunk = await deps.engine.score(customerIds, now);
  if (!chunk) return 0;
  await storeScores(deps, chunk, now);
  return chunk.rows.length;
}

/**
 * Rescores every identified customer, `chunk` at a time in id order (features, one ONNX run per model, stored
 * in small writes). The ranges are handed out ahead, one more than the engine scores at once, so each of its
 * threads has the next range while this thread stores the last one.
 */
export async function rescoreEveryone(
  deps: ScoringDeps,
  now: number,
  opts: { chunk?: number; onProgress?: (customers: number) => void } = {},
): Promise<{ customers: number; version: string | null }> {
  const limit = opts.chunk ?? 5000;
  let customers = 0;
  // The version everyone was scored with: if the models are swapped mid-run, the first one is recorded, so
  // the schedule sees the new version as not yet applied to everyone and runs again.
  let version: string | null = null;
  let cursor = '';
  const inFlight: Array<Promise<ScoredChunk | null>> = [];
  const handOut = (): void => {
    const end = chunkEnd(deps.sqlite, now, cursor, limit);
    if (end === null) return;
    inFlight.push(deps.engine.scoreRange(cursor, end, now));
    cursor = end;
  };
  try {
    for (let i = 0; i <= deps.engine.parallelism(); i++) handOut();
    for (let scored = inFlight.shift(); scored; scored = inFlight.shift()) {
      const chunk = await scored;
      if (!chunk) {
        // No models served: nothing to do, unless they went away half-way (then everyone was not rescored).
        if (version) throw new Error('the models were unloaded during full rescoring');
        break;
      }
      version ??= chunk.version;
      handOut();
      await storeScores(deps, chunk, now);
      customers += chunk.rows.length;
      opts.onProgress?.(customers);
    }
  } finally {
    // If storing failed, the ranges scored ahead are dropped; their failures must not surface as unhandled.
    for (const p of inFlight) p.catch(() => undefined);
  }
  if (version) {
    const done = version;
    await deps.write(() => setMetric(deps.sqlite, FULL_RESCORE_METRIC, { version: done, at: now }, now));
  }
  return { customers, version };
}

const FULL_RESCORE_METRIC = 'scores_full_rescore';

/** When everyone was last rescored, and with which models. */
export function lastFullRescore(sqlite: Database): { version: string; at: number } | null {
  return getMetric<{ version: string; at: number }>(sqlite, FULL_RESCORE_METRIC);
}
