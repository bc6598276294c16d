import type { Database } from 'bun:sqlite';
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
  return {
    p_purchase: round(r.p_purchase, 4),
    churn_risk: round(1 - r.p_purchase, 4),
    expected_purchases: round(r.expected_purchases, 3),
    horizon_days: r.horizon_days,
    clv_minor: r.clv,
    model_version: r.model_version,
    scored_at: r.scored_at,
    reasons: JSON.parse(r.reasons) as ScoreReason[],
    recommendations: JSON.parse(r.recommendations) as StoredRecommendation[],
  };
}
