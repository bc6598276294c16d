import { featureIndex } from './candidate-features.ts';

/*
 * A reason a clerk can read for one recommended item, from the same feature row the ranker scored. The first
 * rule that applies wins: a personal buying rhythm, a past purchase, a co-purchase with a recent basket item,
 * else store popularity.
 */

export type ReasonKind = 'repeat_cycle' | 'bought_before' | 'bought_with' | 'popular_now' | 'popular';

export interface Reason {
  kind: ReasonKind;
  text: string;
  everyDays?: number;
  lastDaysAgo?: number;
  times?: number;
  withSku?: string;
}

const I = {
  count: featureIndex('i_count'),
  gap: featureIndex('i_gap_days'),
  since: featureIndex('i_days_since_last'),
  trend: featureIndex('g_trend'),
};

/** Basket cosine above which "often bought with" is said (a pair in most of each other's baskets is ≈ 0.5+). */
const STRONG_COSINE = 0.25;

export function reasonFor(row: Float32Array, partner: { sku: string; cosine: number } | null): Reason {
  const count = row[I.count] ?? 0;
  const since = Math.round(row[I.since] ?? Number.NaN);
  const gap = Math.round(row[I.gap] ?? Number.NaN);
  if (count >= 2 && gap > 0 && Number.isFinite(since)) {
    return { kind: 'repeat_cycle', text: `buys every ~${gap} days, last ${since} days ago`, everyDays: gap, lastDaysAgo: since, times: count };
  }
  if (count >= 1 && Number.isFinite(since)) {
    return { kind: 'bought_before', text: `bought ${count === 1 ? 'once' : `${count} times`}, last ${since} days ago`, lastDaysAgo: since, times: count };
  }
  // A popular item co-occurs a little with everything; only a strong tie is worth naming.
  if (partner !== null && partner.cosine >= STRONG_COSINE) return { kind: 'bought_with', text: `often bought with ${partner.sku}`, withSku: partner.sku };
  if ((row[I.trend] ?? 0) > 1.2) return { kind: 'popular_now', text: 'popular this month' };
  return { kind: 'popular', text: 'popular in the store' };
}
