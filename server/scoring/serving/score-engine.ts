import type { Database } from 'bun:sqlite';
import { catalogEntries } from '../../catalog/catalog.service.ts';
import { DAY_MS } from '../../kernel/clock.ts';
import type { ItemContext } from '../recommend/candidate-features.ts';
import type { CustomerHistory } from '../history.ts';
import type { Recommendation } from '../recommend/recommender.ts';
import { historiesBetween, historyFromDb } from './db-history.ts';
import type { ModelRegistry, ModelSet } from './model-registry.ts';
import { scoreReasons } from './score-reasons.ts';
import { storeItemContext } from './store-item-stats.ts';

/*
 * Computes scores (reads histories, features, ONNX) without writing anything: the caller stores the rows
 * through the write queue. Two engines answer the same questions: `createInlineScoreEngine` on the
 * calling thread (CLI, tests, and inside the scoring worker), and the worker proxy of
 * worker-score-engine.ts that the server uses so that scoring never holds the event loop the POS needs.
 */

/** One customer's scores, in the form stored in customer_scores (JSON columns already serialized). */
export interface ScoreRow {
  customerId: string;
  pPurchase: number;
  expectedPurchases: number;
  /** Minor units. */
  clv: number;
  reasonsJson: string;
  recommendationsJson: string;
}

export interface ScoredChunk {
  version: string;
  horizonDays: number;
  rows: ScoreRow[];
}

export interface ScoreEngine {
  /** Loads the best model set if it differs from the served one; returns the version now served. */
  reload(): Promise<string | null>;
  /** The version served now (null before the first reload or without models). */
  version(): string | null;
  /** Scores these customers as of `now`; null when no models are served. */
  score(customerIds: readonly string[], now: number): Promise<ScoredChunk | null>;
  /** Scores the customers with a purchase whose ids are in (afterId, throughId]; see chunkEnd for the ranges. */
  scoreRange(afterId: string, throughId: string, now: number): Promise<ScoredChunk | null>;
  /** How many ranges it scores at the same time (its threads): full rescoring keeps that many busy. */
  parallelism(): number;
  close(): Promise<void>;
}

/** Name and category from the store's catalog (null until a line named them). */
export interface StoredRecommendation {
  sku: string;
  name: string | null;
  category: string | null;
  score: number;
  reason: string;
}

export interface InlineEngineDeps {
  /** Read only: histories, the store's item statistics and catalog. */
  sqlite: Database;
  models: ModelRegistry;
  returnBlockDays: number;
  /** Recommendations kept per customer. */
  k: number;
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

async function scoreHistories(deps: InlineEngineDeps, set: ModelSet, histories: CustomerHistory[], now: number, items: ItemContext): Promise<ScoreRow[]> {
  const scores = await set.scorer.score(histories, now);
  // Ask for a few more than kept: returned items are dropped after ranking. Candidates come from the
  // store's own item context and each customer's own purchases here, never the model's training items.
  const recs = set.recommender ? await set.recommender.explainMany(histories, now, deps.k + 5, items) : new Map<string, Recommendation[]>();
  const byId = new Map(histories.map((h) => [h.customerId, h]));
  const kept = new Map<string, Recommendation[]>();
  for (const s of scores) {
    const blocked = recentlyReturned(byId.get(s.customerId)!, now, deps.returnBlockDays);
    kept.set(s.customerId, (recs.get(s.customerId) ?? []).filter((r) => !blocked.has(r.sku)).slice(0, deps.k));
  }
  const catalog = catalogEntries(deps.sqlite, [...kept.values()].flatMap((list) => list.map((r) => r.sku)));
  return scores.map((s) => {
    const history = byId.get(s.customerId)!;
    const recommendations: StoredRecommendation[] = (kept.get(s.customerId) ?? []).map((r) => ({
      sku: r.sku,
      name: catalog.get(r.sku)?.name ?? null,
      category: catalog.get(r.sku)?.category ?? null,
      score: Math.round(r.score * 1e4) / 1e4,
      reason: r.reason.text,
    }));
    return {
      customerId: s.customerId,
      pPurchase: s.pPurchase,
      expectedPurchases: s.expectedPurchases,
      clv: Math.round(s.expectedPurchases * averageBasket(history, now)),
      reasonsJson: JSON.stringify(scoreReasons(history, now, { pPurchase: s.pPurchase, horizonDays: set.horizonDays })),
      recommendationsJson: JSON.stringify(recommendations),
    };
  });
}

export function createInlineScoreEngine(deps: InlineEngineDeps): ScoreEngine {
  const items = storeItemContext(deps.sqlite);
  const run = (histories: () => CustomerHistory[], now: number) =>
    deps.models.use(async (set): Promise<ScoredChunk | null> => {
      if (!set) return null;
      const hs = histories();
      const rows = await scoreHistories(deps, set, hs, now, items());
      return { version: set.version, horizonDays: set.horizonDays, rows };
    });
  return {
    reload: () => deps.models.reload(),
    version: () => deps.models.current()?.version ?? null,
    score: (ids, now) => run(() => ids.map((id) => historyFromDb(deps.sqlite, id, now)), now),
    scoreRange: (afterId, throughId, now) => run(() => historiesBetween(deps.sqlite, now, afterId, throughId), now),
    parallelism: () => 1,
    close: () => deps.models.close(),
  };
}
