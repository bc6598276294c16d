import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../../kernel/clock.ts';
import type { ScoringDeps } from '../serving/scores.service.ts';

/*
 * Snapshots of what the models say about a sample of customers, kept until their horizon has passed so that
 * model-health.ts can set them against what happened. A sample (not everyone) bounds the cost on a big store:
 * AUC and MAE over a few thousand customers are precise to about a hundredth.
 */

export type SnapshotKind = 'recorded' | 'backtest';

/** Customers per snapshot. */
export const SNAPSHOT_SAMPLE = 5000;
/** A new recorded snapshot once a week: the figures then follow the store week by week. */
export const RECORD_EVERY_DAYS = 7;
/** Kept this long after their horizon has passed, so a manager sees a year of matured figures. */
const KEEP_MATURED_DAYS = 365;
const RECOMMENDATIONS_KEPT = 10;

/** Customers with a purchase at or before `asOf`, evenly spaced in id order, at most `max`. */
export function sampleCustomers(sqlite: Database, asOf: number, max: number): string[] {
  const ids = sqlite
    .query<{ id: string }, [number]>('SELECT customer_id AS id FROM customer_stats WHERE first_purchase_at IS NOT NULL AND first_purchase_at <= ? ORDER BY customer_id')
    .all(asOf)
    .map((r) => r.id);
  if (ids.length <= max) return ids;
  const step = ids.length / max;
  return Array.from({ length: max }, (_, i) => ids[Math.floor(i * step)]!);
}

export function lastSnapshotAt(sqlite: Database, kind?: SnapshotKind): number | null {
  const row = kind
    ? sqlite.query<{ at: number | null }, [string]>('SELECT max(taken_at) AS at FROM prediction_snapshots WHERE kind = ?').get(kind)
    : sqlite.query<{ at: number | null }, []>('SELECT max(taken_at) AS at FROM prediction_snapshots').get();
  return row?.at ?? null;
}

/**
 * Scores a sample as of `asOf` (the history as it stood then) and keeps it as a snapshot taken at `asOf`.
 * Returns how many customers it holds; 0 without models or customers.
 */
export async function takeSnapshot(deps: ScoringDeps, asOf: number, kind: SnapshotKind, max = SNAPSHOT_SAMPLE): Promise<number> {
  const ids = sampleCustomers(deps.sqlite, asOf, max);
  if (ids.length === 0) return 0;
  const chunk = await deps.engine.score(ids, asOf);
  if (!chunk || chunk.rows.length === 0) return 0;
  await deps.write(() => {
    const insert = deps.sqlite.query(
      `INSERT OR REPLACE INTO prediction_snapshots (taken_at, customer_id, kind, model_version, horizon_days, p_purchase, expected_purchases, recommendations)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    for (const r of chunk.rows) {
      const skus = (JSON.parse(r.recommendationsJson) as Array<{ sku: string }>).slice(0, RECOMMENDATIONS_KEPT).map((x) => x.sku);
      insert.run(asOf, r.customerId, kind, chunk.version, chunk.horizonDays, r.pPurchase, r.expectedPurchases, JSON.stringify(skus));
    }
    deps.sqlite.query('DELETE FROM prediction_snapshots WHERE taken_at + horizon_days * ? < ?').run(DAY_MS, asOf - KEEP_MATURED_DAYS * DAY_MS);
  });
  return chunk.rows.length;
}

/**
 * What the schedule does after scoring: a recorded snapshot when the last is a week old; and on a store
 * that has none yet but a horizon of history, a backtest as of one horizon ago, so its managers see
 * figures from the first day (labelled as a backtest: the models were run on the past, not recorded then).
 */
export async function snapshotIfDue(deps: ScoringDeps, now: number, version: string): Promise<{ recorded: number; backtest: number }> {
  const out = { recorded: 0, backtest: 0 };
  // The served models' horizon, as their scores recorded it (nobody scored yet: nothing to snapshot).
  const horizonDays = deps.sqlite.query<{ h: number }, [string]>('SELECT horizon_days AS h FROM customer_scores WHERE model_version = ? LIMIT 1').get(version)?.h;
  if (horizonDays === undefined) return out;
  if (lastSnapshotAt(deps.sqlite) === null) {
    const asOf = now - horizonDays * DAY_MS;
    const oldest = deps.sqlite.query<{ at: number | null }, []>('SELECT min(first_purchase_at) AS at FROM customer_stats').get()?.at ?? null;
    if (oldest !== null && oldest < asOf) out.backtest = await takeSnapshot(deps, asOf, 'backtest');
  }
  const recorded = lastSnapshotAt(deps.sqlite, 'recorded');
  if (recorded === null || now - recorded >= RECORD_EVERY_DAYS * DAY_MS) out.recorded = await takeSnapshot(deps, now, 'recorded');
  return out;
}
