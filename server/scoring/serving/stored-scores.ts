import type { Database } from 'bun:sqlite';
import { catalogEntries } from '../../catalog/catalog.service.ts';
import type { ScoreReason } from './score-reasons.ts';
import type { StoredRecommendation } from './score-engine.ts';

/** A customer's stored scores as the profile shows them (null until first scored). Money in minor units. */
export interface StoredScores {
  p_purchase: number;
  churn_risk: number;
  expected_purchases: number;
  horizon_days: number;
  clv_minor: number;
  model_version: string;
  scored_at: number;
  reasons: ScoreReason[];
  recommendations: StoredRecommendation[];
}

interface Row {
  model_version: string;
  scored_at: number;
  p_purchase: number;
  expected_purchases: number;
  horizon_days: number;
  clv: number;
  reasons: string;
  recommendations: string;
}

const round = (x: number, digits: number) => Math.round(x * 10 ** digits) / 10 ** digits;

export function storedScores(sqlite: Database, customerId: string): StoredScores | null {
  const r = sqlite.query<Row, [string]>('SELECT * FROM customer_scores WHERE customer_id = ?').get(customerId);
  if (!r) return null;
  // Names and categories as the catalog has them now (a row scored before the catalog learnt a name, or
  // stored before recommendations carried a category, reads the same as a fresh one).
  const stored = JSON.parse(r.recommendations) as Array<Omit<StoredRecommendation, 'category'> & { category?: string | null }>;
  const catalog = catalogEntries(sqlite, stored.map((x) => x.sku));
  const recommendations = stored.map((x) => {
    const entry = catalog.get(x.sku);
    return { sku: x.sku, name: entry?.name ?? x.name, category: entry?.category ?? x.category ?? null, score: x.score, reason: x.reason };
  });
  return {
    p_purchase: round(r.p_purchase, 4),
    churn_risk: round(1 - r.p_purchase, 4),
    expected_purchases: round(r.expected_purchases, 3),
    horizon_days: r.horizon_days,
    clv_minor: r.clv,
    model_version: r.model_version,
    scored_at: r.scored_at,
    reasons: JSON.parse(r.reasons) as ScoreReason[],
    recommendations,
  };
}
