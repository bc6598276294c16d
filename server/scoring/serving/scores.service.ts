import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../../clock.ts';
import { getMetric, setMetric } from '../../stats/store-metrics.ts';
import type { CustomerHistory } from '../history.ts';
import type { Recommendation } from '../recommend/recommender.ts';
import { historiesAfter, historyFromDb } from './db-history.ts';
import type { ModelRegistry, ModelSet } from './model-registry.ts';
import { scoreReasons, type ScoreReason } from './score-reasons.ts';

/*
 * Scores customers with the served models and keeps the result in customer_scores (derived: it can
 * always be recomputed from facts). One customer after each of their transactions (rescore-queue.ts),
 * everyone by `cli rescore` and the schedule. Items the customer returned within the block window are
 * never recommended.
 */

export interface ScoringDeps {
  sqlite: Database;
  models: ModelRegistry;
  /** Runs a write with the store's other writes (the write queue's derived path), so it never lands inside another transaction. */
  write: <T>(work: () => T) => Promise<T>;
  returnBlockDays: number;
  /** Recommendations kept per customer. */
  k: number;
}

export interface StoredRecommendation {
  sku: string;
  name: string | null;
  score: number;
  reason: string;
}

interface ScoreRow {
  customerId: string;
  pPurchase: number;
  expectedPurchases: number;
  clv: number;
  reasons: ScoreReason[];
  recommendations: StoredRecommendation[];
}

/** SKUs in returns at or before asOf and within the block window. */
function recentlyReturned(history: CustomerHistory, asOf: number, blockDays: number): Set<string> {
  const skus = new Set<string>();
  for (const b of history.baskets) if (b.isReturn && b.at <= asOf && asOf - b.at <= blockDays * DAY_MS) for (const i of b.items) skus.add(i.sku);
  return skus;
}

/** Net spend per purchase (minor units): the basket value CLV multiplies. */
function averageBasket(history: CustomerHistory, asOf: number): number {
  let net = 0;
  let sales = 0;
  for (const b of history.baskets) {
    if (b.at > asOf) continue;
    net += b.amountMinor;
    if (!b.isReturn) sales += 1;
  }
  return sales === 0 ? 0 : Math.max(0, net / sales);
}

async function scoreChunk(deps: ScoringDeps, set: ModelSet, histories: CustomerHistory[], now: number): Promise<ScoreRow[]> {
  const scores = await set.scorer.score(histories, now);
  // Ask for a few more than kept: returned items are dropped after ranking.
  const recs = set.recommender ? await set.recommender.explainMany(histories, now, deps.k + 5) : new Map<string, Recommendation[]>();
  const byId = new Map(histories.map((h) => [h.customerId, h]));
  const names = deps.sqlite.query<{ name: string | null }, [string]>('SELECT name FROM catalog_items WHERE sku = ?');
  return scores.map((s) => {
    const history = byId.get(s.customerId)!;
    const blocked = recentlyReturned(history, now, deps.returnBlockDays);
    return {
      customerId: s.customerId,
      pPurchase: s.pPurchase,
      expectedPurchases: s.expectedPurchases,
      clv: Math.round(s.expectedPurchases * averageBasket(history, now)),
      reasons: scoreReasons(history, now, { pPurchase: s.pPurchase, horizonDays: set.horizonDays }),
      recommendations: (recs.get(s.customerId) ?? [])
        .filter((r) => !blocked.has(r.sku))
        .slice(0, deps.k)
        .map((r) => ({ sku: r.sku, name: names.get(r.sku)?.name ?? null, score: Math.round(r.score * 1e4) / 1e4, reason: r.reason.text })),
    };
  });
}

function storeScores(sqlite: Database, set: ModelSet, rows: ScoreRow[], now: number): void {
  const upsert = sqlite.query(
    `INSERT INTO customer_scores (customer_id, model_version, scored_at, p_purchase, expected_purchases, horizon_days, clv, reasons, recommendations)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (customer_id) DO UPDATE SET model_version = excluded.model_version, scored_at = excluded.scored_at,
       p_purchase = excluded.p_purchase, expected_purchases = excluded.expected_purchases, horizon_days = excluded.horizon_days,
       clv = excluded.clv, reasons = excluded.reasons, recommendations = excluded.recommendations`,
  );
  for (const r of rows) {
    upsert.run(r.customerId, set.version, now, r.pPurchase, r.expectedPurchases, set.horizonDays, r.clv, JSON.stringify(r.reasons), JSON.stringify(r.recommendations));
  }
}

/** Rescores the given customers now. Returns how many got a score (those with a purchase); 0 without models. */
export async function rescoreCustomers(deps: ScoringDeps, customerIds: Iterable<string>, now: number): Promise<number> {
  return deps.models.use(async (set) => {
    if (!set) return 0;
    const histories = [...customerIds].map((id) => historyFromDb(deps.sqlite, id, now));
    const rows = await scoreChunk(deps, set, histories, now);
    await deps.write(() => storeScores(deps.sqlite, set, rows, now));
    return rows.length;
  });
}

/** Rescores every identified customer, `chunk` at a time (features, one ONNX run per model, one write). */
export async function rescoreEveryone(
  deps: ScoringDeps,
  now: number,
  opts: { chunk?: number; onProgress?: (customers: number) => void } = {},
): Promise<{ customers: number; version: string | null }> {
  const chunkSize = opts.chunk ?? 5000;
  return deps.models.use(async (set) => {
    if (!set) return { customers: 0, version: null };
    let customers = 0;
    let afterId = '';
    for (;;) {
      const histories = historiesAfter(deps.sqlite, now, afterId, chunkSize);
      if (histories.length === 0) break;
      afterId = histories[histories.length - 1]!.customerId;
      const rows = await scoreChunk(deps, set, histories, now);
      await deps.write(() => storeScores(deps.sqlite, set, rows, now));
      customers += rows.length;
      opts.onProgress?.(customers);
    }
    await deps.write(() => setMetric(deps.sqlite, FULL_RESCORE_METRIC, { version: set.version, at: now }, now));
    return { customers, version: set.version };
  });
}

const FULL_RESCORE_METRIC = 'scores_full_rescore';

/** When everyone was last rescored, and with which models. */
export function lastFullRescore(sqlite: Database): { version: string; at: number } | null {
  return getMetric<{ version: string; at: number }>(sqlite, FULL_RESCORE_METRIC);
}
