import { CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES } from './customer-features.ts';
import type { CustomerRows } from './customer-rows.ts';

/*
 * The candidates `train` chooses between, per target, and how each turns a customer's row into a prediction.
 * Training (on the internal split) and serving compute predictions with these same functions.
 *  - baseline: recency alone for p_purchase (a logistic curve in log(1 + days since the last purchase), so it
 *    ranks exactly as recency does); the customer's own repeat rate × the window for expected_purchases.
 *  - bgnbd: BG/NBD alone (fitted at the as-of time).
 *  - learned: the xgboost correction on top of the BG/NBD offset (models/train_customer.py).
 *  - blend: the mean of bgnbd and learned. The weight is fixed at ½, not chosen on the split: a weight tuned
 *    on one window is one more thing to overfit, and an even mix already keeps most of each side's gain.
 */

/** Simplest first: when two candidates tie on the split, the earlier one is chosen. */
export const CANDIDATE_KINDS = ['baseline', 'bgnbd', 'learned', 'blend'] as const;
export type CandidateKind = (typeof CANDIDATE_KINDS)[number];
export const BLEND_LEARNED_WEIGHT = 0.5;

export interface BaselineParams {
  /** p = σ(intercept + slope · ln(1 + recency_days)); slope < 0, so more recent always ranks higher. */
  recency: { intercept: number; slope: number };
  /** E = scale · window_days · frequency / tenure_days (repeat purchase days per day of tenure). */
  rate: { scale: number };
}

export function needsLearned(kind: CandidateKind): boolean {
  return kind === 'learned' || kind === 'blend';
}

export function isCandidateKind(v: unknown): v is CandidateKind {
  return typeof v === 'string' && (CANDIDATE_KINDS as readonly string[]).includes(v);
}

const RECENCY = CUSTOMER_FEATURE_NAMES.indexOf('recency_days');
const FREQUENCY = CUSTOMER_FEATURE_NAMES.indexOf('frequency');
const TENURE = CUSTOMER_FEATURE_NAMES.indexOf('tenure_days');
/** A slope no steeper than this counts as flat: kept just below 0 so the curve still orders by recency. */
const MIN_NEGATIVE_SLOPE = -1e-6;

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function feature(rows: Pick<CustomerRows, 'x'>, i: number, index: number): number {
  return rows.x[i * CUSTOMER_FEATURE_COUNT + index]!;
}

/** Repeat purchase days per day of tenure; 0 for a customer with one purchase day. */
function repeatRate(rows: Pick<CustomerRows, 'x'>, i: number): number {
  const x = feature(rows, i, FREQUENCY);
  return x > 0 ? x / Math.max(1, feature(rows, i, TENURE)) : 0;
}

export function baselinePPurchase(params: BaselineParams, rows: Pick<CustomerRows, 'x'>, i: number): number {
  return sigmoid(params.recency.intercept + params.recency.slope * Math.log1p(feature(rows, i, RECENCY)));
}

export function baselineExpected(params: BaselineParams, rows: Pick<CustomerRows, 'x'>, i: number, windowDays: number): number {
  return params.rate.scale * windowDays * repeatRate(rows, i);
}

/**
 * Fits the baseline on training rows (features in `rows.x`), each labelled over its own window: logistic
 * regression of "bought" on ln(1 + recency_days) by Newton's method, and the rate's scale so that predicted and
 * actual purchase days add up to the same total (the Poisson maximum likelihood of a single scale).
 */
export function fitBaseline(rows: Pick<CustomerRows, 'x'>, bought: ArrayLike<number>, counts: ArrayLike<number>, windowDays: ArrayLike<number>): BaselineParams {
  const n = bought.length;
  let intercept = 0;
  let slope = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) positives += bought[i]!;
  const prior = Math.min(1 - 1e-6, Math.max(1e-6, (positives + 0.5) / (n + 1)));
  intercept = Math.log(prior / (1 - prior));
  for (let iter = 0; iter < 50; iter++) {
    // gradient and Hessian of the log-likelihood in (intercept, slope), with a small ridge for separable data
    let g0 = 0;
    let g1 = -1e-6 * slope;
    let h00 = 1e-9;
    let h01 = 0;
    let h11 = 1e-6;
    for (let i = 0; i < n; i++) {
      const z = Math.log1p(feature(rows, i, RECENCY));
      const p = sigmoid(intercept + slope * z);
      const r = bought[i]! - p;
      const w = p * (1 - p);
      g0 += r;
      g1 += r * z;
      h00 += w;
      h01 += w * z;
      h11 += w * z * z;
    }
    const det = h00 * h11 - h01 * h01;
    if (!(det > 0)) break;
    const d0 = (h11 * g0 - h01 * g1) / det;
    const d1 = (h00 * g1 - h01 * g0) / det;
    intercept += d0;
    slope += d1;
    if (Math.abs(d0) + Math.abs(d1) < 1e-9) break;
  }
  if (!Number.isFinite(intercept) || !Number.isFinite(slope)) {
    intercept = Math.log(prior / (1 - prior));
    slope = 0;
  }
  // Recency must rank the recent higher: where the data says otherwise, the baseline stays recency anyway
  // (and loses on the split, as it should).
  if (slope > MIN_NEGATIVE_SLOPE) slope = MIN_NEGATIVE_SLOPE;
  let predicted = 0;
  let actual = 0;
  for (let i = 0; i < n; i++) {
    predicted += windowDays[i]! * repeatRate(rows, i);
    actual += counts[i]!;
  }
  return { recency: { intercept, slope }, rate: { scale: predicted > 0 ? actual / predicted : 0 } };
}

export function blend(bgnbd: number, learned: number): number {
  return (1 - BLEND_LEARNED_WEIGHT) * bgnbd + BLEND_LEARNED_WEIGHT * learned;
}

/**
 * The winner among measured candidates: the highest (AUC) or lowest (MAE) metric; on a tie the simpler one.
 * Candidates without a usable metric (NaN or missing) are not in the running; null when none is.
 */
export function chooseCandidate(metrics: Partial<Record<CandidateKind, number | null>>, better: 'higher' | 'lower'): CandidateKind | null {
  let best: CandidateKind | null = null;
  let bestValue = 0;
  for (const kind of CANDIDATE_KINDS) {
    const v = metrics[kind];
    if (v === null || v === undefined || !Number.isFinite(v)) continue;
    if (best === null || (better === 'higher' ? v > bestValue : v < bestValue)) {
      best = kind;
      bestValue = v;
    }
  }
  return best;
}
