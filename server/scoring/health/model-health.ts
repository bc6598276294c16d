import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../../kernel/clock.ts';
import { meanAbsoluteError, rocAuc } from '../binary-metrics.ts';
import { recallAtK } from '../recommend/metrics.ts';
import type { SnapshotKind } from './prediction-snapshots.ts';

/*
 * Does the store's model work on its customers? Each snapshot whose horizon has passed is set against the
 * facts: who bought in (taken_at, taken_at + horizon], how many times, and what was in their next basket.
 * Beside the model, the baseline anyone could use: recency (the more recent the last purchase, the likelier
 * the next). Read-only; a few indexed queries per snapshot.
 */

export interface SnapshotHealth {
  takenAt: number;
  kind: SnapshotKind;
  modelVersion: string;
  horizonDays: number;
  customers: number;
  maturesAt: number;
  /** Null until the horizon has passed. */
  figures: {
    /** Customers of the sample who bought within the horizon. */
    buyers: number;
    /** AUC of p_purchase for "bought within the horizon"; null when everyone or no one bought. */
    aucPurchase: number | null;
    /** The same for recency alone (days since the last purchase before taken_at, fewer = likelier). */
    aucRecency: number | null;
    /** Mean absolute error of expected_purchases against the sales counted in the horizon. */
    maeExpectedPurchases: number;
    predictedPurchases: number;
    actualPurchases: number;
    /** Mean Recall@10 of the recommendations against each buyer's next basket (buyers with SKUs in it). */
    recallAt10: number | null;
    nextBaskets: number;
  } | null;
}

interface SnapshotRow {
  customer_id: string;
  p_purchase: number;
  expected_purchases: number;
  recommendations: string;
  bought: number;
  last_before: number | null;
}

const finiteOrNull = (x: number) => (Number.isFinite(x) ? Math.round(x * 10_000) / 10_000 : null);

function figuresOf(sqlite: Database, takenAt: number, end: number): SnapshotHealth['figures'] {
  const rows = sqlite
    .query<SnapshotRow, [number, number, number, number]>(
      `SELECT s.customer_id, s.p_purchase, s.expected_purchases, s.recommendations,
              (SELECT count(*) FROM transactions t WHERE t.customer_id = s.customer_id AND t.kind = 'sale' AND t.occurred_at > ?1 AND t.occurred_at <= ?2) AS bought,
              (SELECT max(t.occurred_at) FROM transactions t WHERE t.customer_id = s.customer_id AND t.kind = 'sale' AND t.occurred_at <= ?3) AS last_before
       FROM prediction_snapshots s WHERE s.taken_at = ?4`,
    )
    .all(takenAt, end, takenAt, takenAt);
  const nextBasket = sqlite.query<{ sku: string }, [string, number, number]>(
    `SELECT DISTINCT l.sku FROM transaction_lines l
     WHERE l.void = 0 AND l.sku IS NOT NULL AND l.tx_id = (SELECT id FROM transactions WHERE customer_id = ? AND kind = 'sale' AND occurred_at > ? AND occurred_at <= ? ORDER BY occurred_at, id LIMIT 1)`,
  );
  const bought = rows.map((r) => r.bought > 0);
  let recallSum = 0;
  let baskets = 0;
  for (const r of rows) {
    if (r.bought === 0) continue;
    const truth = new Set(nextBasket.all(r.customer_id, takenAt, end).map((x) => x.sku));
    if (truth.size === 0) continue;
    recallSum += recallAtK(JSON.parse(r.recommendations) as string[], truth, 10);
    baskets += 1;
  }
  return {
    buyers: bought.filter(Boolean).length,
    aucPurchase: finiteOrNull(rocAuc(rows.map((r) => r.p_purchase), bought)),
    aucRecency: finiteOrNull(rocAuc(rows.map((r) => (r.last_before === null ? Number.NEGATIVE_INFINITY : r.last_before)), bought)),
    maeExpectedPurchases: finiteOrNull(meanAbsoluteError(rows.map((r) => r.expected_purchases), rows.map((r) => r.bought))) ?? 0,
    predictedPurchases: Math.round(rows.reduce((s, r) => s + r.expected_purchases, 0) * 10) / 10,
    actualPurchases: rows.reduce((s, r) => s + r.bought, 0),
    recallAt10: baskets > 0 ? finiteOrNull(recallSum / baskets) : null,
    nextBaskets: baskets,
  };
}

/** Every kept snapshot, newest first, with its figures once its horizon has passed by `now`. */
export function modelHealth(sqlite: Database, now: number): SnapshotHealth[] {
  const snapshots = sqlite
    .query<{ taken_at: number; kind: SnapshotKind; model_version: string; horizon_days: number; customers: number }, []>(
      `SELECT taken_at, kind, model_version, horizon_days, count(*) AS customers FROM prediction_snapshots
       GROUP BY taken_at ORDER BY taken_at DESC`,
    )
    .all();
  return snapshots.map((s) => {
    const maturesAt = s.taken_at + s.horizon_days * DAY_MS;
    return {
      takenAt: s.taken_at,
      kind: s.kind,
      modelVersion: s.model_version,
      horizonDays: s.horizon_days,
      customers: s.customers,
      maturesAt,
      figures: maturesAt <= now ? figuresOf(sqlite, s.taken_at, maturesAt) : null,
    };
  });
}
