import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fnv1a32 } from '../../kernel/hash.ts';
import type { CustomerHistory } from '../history.ts';
import { customerCandidates, DEFAULT_LIMITS, FEATURE_COUNT, itemContext, type CandidateLimits, type ItemContext } from './candidate-features.ts';
import { computeItemStats, type ItemStats } from './item-stats.ts';
import { dropLastBaskets, purchaseSequence, type PurchaseSequence } from './purchase-sequence.ts';

/*
 * The ranker's training snapshot: each customer's last purchase basket at or before the as-of time is held out
 * as the label; candidates and features come from the baskets before it, at the label basket's time. Item
 * statistics come from all baskets except the held-out ones. A fixed share of customers (by a hash of the id)
 * forms an internal validation split; no other data is looked at.
 */

export interface LabelledCustomer {
  history: PurchaseSequence;
  labelAt: number;
  truth: Set<string>;
}

export interface RowSet {
  /** Row-major float32, FEATURE_COUNT per row. */
  features: Float32Array;
  labels: Uint8Array;
  /** Rows per customer, in order (for ranking objectives and per-customer metrics). */
  groups: Int32Array;
  /** Per group: size of the true basket (hits outside the candidates count as misses). */
  truthSizes: Int32Array;
  rows: number;
}

export interface TrainingSnapshot {
  stats: ItemStats;
  ctx: ItemContext;
  train: LabelledCustomer[];
  valid: LabelledCustomer[];
  /** All history sequences (labels held out), for baselines on the same split. */
  histories: PurchaseSequence[];
  spanFrom: number;
  spanTo: number;
}

export const VALID_SHARE = 0.2;
/** Labelled customers used for fitting at most (a hash-chosen subset beyond it): bounds time and memory on big stores. */
export const MAX_TRAIN_CUSTOMERS = 25_000;
export const MAX_VALID_CUSTOMERS = 5_000;

export function trainingSnapshot(histories: Map<string, CustomerHistory>, asOf: number, validShare = VALID_SHARE): TrainingSnapshot {
  const train: LabelledCustomer[] = [];
  const valid: LabelledCustomer[] = [];
  const historySeqs: PurchaseSequence[] = [];
  let spanFrom = Number.POSITIVE_INFINITY;
  let spanTo = Number.NEGATIVE_INFINITY;
  for (const h of histories.values()) {
    const s = purchaseSequence(h, asOf);
    const n = s.baskets.length;
    if (n === 0) continue;
    spanFrom = Math.min(spanFrom, s.times[0] as number);
    spanTo = Math.max(spanTo, s.times[n - 1] as number);
    if (n < 2) {
      historySeqs.push(s);
      continue;
    }
    const history = dropLastBaskets(s, 1);
    historySeqs.push(history);
    const labelled = { history, labelAt: s.times[n - 1] as number, truth: new Set(s.baskets[n - 1]) };
    (unitHash(s.customerId) < validShare ? valid : train).push(labelled);
  }
  const stats = computeItemStats(historySeqs);
  return { stats, ctx: itemContext(stats), train: capped(train, MAX_TRAIN_CUSTOMERS), valid: capped(valid, MAX_VALID_CUSTOMERS), histories: historySeqs, spanFrom, spanTo };
}

/** At most `max` customers, chosen by a hash of the id (not by order), in their original order. */
function capped(customers: LabelledCustomer[], max: number): LabelledCustomer[] {
  if (customers.length <= max) return customers;
  const ranked = customers.map((c) => [unitHash(`cap\u0000${c.history.customerId}`), c] as const).sort((a, b) => a[0] - b[0]);
  const keep = new Set(ranked.slice(0, max).map((r) => r[1]));
  return customers.filter((c) => keep.has(c));
}

/**
 * Candidate rows of the given customers. With `negativeRate` < 1 a deterministic share of the negative rows is
 * kept (training only); customers whose candidates hold no positive are dropped when `dropEmpty`.
 */
export function rowsFor(
  customers: readonly LabelledCustomer[],
  ctx: ItemContext,
  opts: { negativeRate?: number; dropEmpty?: boolean; limits?: CandidateLimits } = {},
): RowSet {
  const negativeRate = opts.negativeRate ?? 1;
  const chunks: Float32Array[] = [];
  const labels: number[] = [];
  const groups: number[] = [];
  const truthSizes: number[] = [];
  for (const c of customers) {
    const cand = customerCandidates(c.history, c.labelAt, ctx, opts.limits ?? DEFAULT_LIMITS);
    const keep: number[] = [];
    let positives = 0;
    cand.skus.forEach((sku, i) => {
      const y = c.truth.has(sku);
      if (y) positives += 1;
      if (y || negativeRate >= 1 || unitHash(`${c.history.customerId}\u0000${sku}`) < negativeRate) keep.push(i);
    });
    if (keep.length === 0 || (opts.dropEmpty && positives === 0)) continue;
    const block = new Float32Array(keep.length * FEATURE_COUNT);
    keep.forEach((i, r) => {
      block.set(cand.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), r * FEATURE_COUNT);
      labels.push(c.truth.has(cand.skus[i] as string) ? 1 : 0);
    });
    chunks.push(block);
    groups.push(keep.length);
    truthSizes.push(c.truth.size);
  }
  const rows = labels.length;
  const features = new Float32Array(rows * FEATURE_COUNT);
  let at = 0;
  for (const b of chunks) {
    features.set(b, at);
    at += b.length;
  }
  return { features, labels: Uint8Array.from(labels), groups: Int32Array.from(groups), truthSizes: Int32Array.from(truthSizes), rows };
}

/** Writes `<prefix>.x.f32`, `.y.u8`, `.group.i32`, `.truth.i32` (little-endian raw arrays) for the Python trainer. */
export function writeRowSet(dir: string, prefix: string, set: RowSet): void {
  const buf = (a: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  writeFileSync(join(dir, `${prefix}.x.f32`), buf(set.features));
  writeFileSync(join(dir, `${prefix}.y.u8`), buf(set.labels));
  writeFileSync(join(dir, `${prefix}.group.i32`), buf(set.groups));
  writeFileSync(join(dir, `${prefix}.truth.i32`), buf(set.truthSizes));
}

/** A stable number in [0, 1) from a string (FNV-1a), for splits and sampling that do not depend on order. */
export function unitHash(s: string): number {
  let h = fnv1a32(s);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  return (h >>> 0) / 4294967296;
}
