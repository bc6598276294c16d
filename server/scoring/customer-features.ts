import { DAY_MS } from '../kernel/clock.ts';
import { medianOfSorted } from '../kernel/numbers.ts';
import type { Basket, CustomerHistory } from './history.ts';
import { conditionalExpectedTransactions, probabilityAlive, type BgNbdParams, type Rfm } from './bgnbd.ts';

/*
 * The customer feature spec: one function for training snapshots and for online scoring, so they cannot drift.
 * Only baskets at or before the as-of instant are read. Days are counted back from the as-of instant
 * (day 0 = the 24 h before it), so "same-day purchases count as one transaction" means the same as-of-anchored
 * day; with a nightly as-of at local midnight these are the store's calendar days. Missing values are NaN
 * (the trees route them by their learned default). Money stays in minor units; trees do not care about scale.
 */

export { DAY_MS };
/** BG/NBD parameters are fitted with times in weeks. */
export const BGNBD_UNIT_DAYS = 7;

export const CUSTOMER_FEATURE_NAMES = [
  'recency_days',
  'frequency', // repeat purchase days (distinct days − 1)
  'tenure_days', // T: days since the first purchase
  'first_to_last_days', // t_x
  'baskets',
  'purchase_days_per_30d',
  'spend_total',
  'spend_per_day_mean', // mean spend per purchase day
  'spend_last_day',
  'days_in_horizon_1x', // purchase days within the last 1× / 2× / 4× horizon
  'days_in_horizon_2x',
  'days_in_horizon_4x',
  'days_30',
  'days_90',
  'days_365',
  'spend_90',
  'spend_365',
  'gap_mean_days',
  'gap_median_days',
  'gap_cv',
  'gap_last_days',
  'gap_min_days',
  'recency_over_gap_mean',
  'recency_over_gap_median',
  'trend_half_ratio', // purchase days in the later half of the tenure vs the earlier half (+1 smoothed)
  'items_per_basket',
  'distinct_skus',
  'sku_repeat_share',
  'returns',
  'return_share',
  'bgnbd_expected_horizon',
  'bgnbd_p_alive',
  'bgnbd_expected_per_repeat_rate',
] as const;

export type CustomerFeatureName = (typeof CUSTOMER_FEATURE_NAMES)[number];
export const CUSTOMER_FEATURE_COUNT = CUSTOMER_FEATURE_NAMES.length;

export interface FeatureContext {
  horizonDays: number;
  /** Fitted at (or before) the as-of time; null leaves the BG/NBD features missing. */
  bgnbd: BgNbdParams | null;
}

/** Purchase days (as-of-anchored day indices, most recent last as a negative count back) and their spend. */
interface PurchaseDays {
  /** days ago of each distinct purchase day, descending (oldest first) */
  daysAgo: number[];
  spend: number[];
}

/** Index one past the last basket at or before asOf (baskets are ascending by `at`). */
export function basketsUntil(baskets: readonly Basket[], asOf: number): number {
  let lo = 0;
  let hi = baskets.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (baskets[mid]!.at <= asOf) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function daysAgo(at: number, asOf: number): number {
  return Math.floor((asOf - at) / DAY_MS);
}

function purchaseDays(baskets: readonly Basket[], end: number, asOf: number): PurchaseDays {
  const days: number[] = [];
  const spend: number[] = [];
  for (let i = 0; i < end; i++) {
    const b = baskets[i]!;
    if (b.isReturn) continue;
    const d = daysAgo(b.at, asOf);
    if (days.length > 0 && days[days.length - 1] === d) spend[spend.length - 1]! += b.amountMinor;
    else {
      days.push(d);
      spend.push(b.amountMinor);
    }
  }
  return { daysAgo: days, spend };
}

/** x, t_x, T in BG/NBD units (weeks) at asOf; null when the customer has no purchase by then. */
export function rfmAt(history: CustomerHistory, asOf: number): Rfm | null {
  const pd = purchaseDays(history.baskets, basketsUntil(history.baskets, asOf), asOf);
  const first = pd.daysAgo[0];
  const last = pd.daysAgo[pd.daysAgo.length - 1];
  if (first === undefined || last === undefined) return null;
  return { x: pd.daysAgo.length - 1, tx: (first - last) / BGNBD_UNIT_DAYS, T: first / BGNBD_UNIT_DAYS };
}

/** Distinct purchase days in (from, to] — the label of a snapshot, counted like `frequency`. */
export function purchaseDaysBetween(history: CustomerHistory, from: number, to: number): number {
  const seen = new Set<number>();
  for (let i = basketsUntil(history.baskets, from); i < history.baskets.length; i++) {
    const b = history.baskets[i]!;
    if (b.at > to) break;
    if (!b.isReturn) seen.add(Math.floor((b.at - from) / DAY_MS));
  }
  return seen.size;
}

/**
 * Features at asOf in CUSTOMER_FEATURE_NAMES order, written into `out` at `offset` (for building matrices
 * without copies). Returns false (and writes nothing) when the customer has no purchase at or before asOf.
 */
export function writeCustomerFeatures(history: CustomerHistory, asOf: number, ctx: FeatureContext, out: Float32Array, offset: number): boolean {
  const end = basketsUntil(history.baskets, asOf);
  const pd = purchaseDays(history.baskets, end, asOf);
  const n = pd.daysAgo.length;
  if (n === 0) return false;
  const first = pd.daysAgo[0]!;
  const last = pd.daysAgo[n - 1]!;
  const h = ctx.horizonDays;

  let baskets = 0;
  let returns = 0;
  let returnAmount = 0;
  let saleAmount = 0;
  let itemLines = 0;
  let repeatLines = 0;
  const skus = new Set<string>();
  for (let i = 0; i < end; i++) {
    const b = history.baskets[i]!;
    if (b.isReturn) {
      returns += 1;
      returnAmount += Math.abs(b.amountMinor);
      continue;
    }
    baskets += 1;
    saleAmount += b.amountMinor;
    for (const it of b.items) {
      itemLines += 1;
      if (skus.has(it.sku)) repeatLines += 1;
      else skus.add(it.sku);
    }
  }

  let spendTotal = 0;
  const within = (days: number) => {
    let c = 0;
    for (let i = n - 1; i >= 0 && pd.daysAgo[i]! < days; i--) c += 1;
    return c;
  };
  const spendWithin = (days: number) => {
    let s = 0;
    for (let i = n - 1; i >= 0 && pd.daysAgo[i]! < days; i--) s += pd.spend[i]!;
    return s;
  };
  for (const s of pd.spend) spendTotal += s;

  const gaps: number[] = [];
  for (let i = 1; i < n; i++) gaps.push(pd.daysAgo[i - 1]! - pd.daysAgo[i]!);
  let gapMean = Number.NaN;
  let gapCv = Number.NaN;
  let gapMedian = Number.NaN;
  let gapMin = Number.NaN;
  if (gaps.length > 0) {
    gapMean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
    const variance = gaps.reduce((a, g) => a + (g - gapMean) ** 2, 0) / gaps.length;
    gapCv = gapMean > 0 ? Math.sqrt(variance) / gapMean : Number.NaN;
    const sorted = [...gaps].sort((a, b) => a - b);
    gapMedian = medianOfSorted(sorted);
    gapMin = sorted[0]!;
  }
  const gapLast = gaps.length > 0 ? gaps[gaps.length - 1]! : Number.NaN;

  // later half of the tenure vs the earlier half, counting purchase days after the first
  const halfPoint = first / 2;
  let later = 0;
  let earlier = 0;
  for (let i = 1; i < n; i++) {
    if (pd.daysAgo[i]! < halfPoint) later += 1;
    else earlier += 1;
  }

  let bgExpected = Number.NaN;
  let bgAlive = Number.NaN;
  let bgPerRate = Number.NaN;
  if (ctx.bgnbd) {
    const rfm: Rfm = { x: n - 1, tx: (first - last) / BGNBD_UNIT_DAYS, T: first / BGNBD_UNIT_DAYS };
    bgExpected = conditionalExpectedTransactions(ctx.bgnbd, h / BGNBD_UNIT_DAYS, rfm);
    bgAlive = probabilityAlive(ctx.bgnbd, rfm);
    // expected in the horizon relative to what the customer's own past rate would give
    const ownRate = (n - 1 + 0.5) / Math.max(first, 1);
    bgPerRate = bgExpected / (ownRate * h);
  }

  const values: number[] = [
    last,
    n - 1,
    first,
    first - last,
    baskets,
    (n / Math.max(first, 1)) * 30,
    spendTotal,
    spendTotal / n,
    pd.spend[n - 1]!,
    within(h),
    within(2 * h),
    within(4 * h),
    within(30),
    within(90),
    within(365),
    spendWithin(90),
    spendWithin(365),
    gapMean,
    gapMedian,
    gapCv,
    gapLast,
    gapMin,
    gaps.length > 0 && gapMean > 0 ? last / gapMean : Number.NaN,
    gaps.length > 0 && gapMedian > 0 ? last / gapMedian : Number.NaN,
    (later + 1) / (earlier + 1),
    baskets > 0 ? itemLines / baskets : Number.NaN,
    skus.size,
    itemLines > 0 ? repeatLines / itemLines : Number.NaN,
    returns,
    saleAmount > 0 ? returnAmount / saleAmount : returns > 0 ? 1 : 0,
    bgExpected,
    bgAlive,
    bgPerRate,
  ];
  for (let i = 0; i < CUSTOMER_FEATURE_COUNT; i++) out[offset + i] = values[i]!;
  return true;
}

/** Convenience for one customer: the feature vector, or null without a purchase at or before asOf. */
export function customerFeatures(history: CustomerHistory, asOf: number, ctx: FeatureContext): Float32Array | null {
  const out = new Float32Array(CUSTOMER_FEATURE_COUNT);
  return writeCustomerFeatures(history, asOf, ctx, out, 0) ? out : null;
}
