import type { PurchaseSequence } from './purchase-sequence.ts';

/*
 * Next-basket baselines from "A Next Basket Recommendation Reality Check" (Li et al. 2023) and TIFU-KNN
 * (Hu et al. 2020), computed from the same purchase sequences as our ranker so they can be printed beside it.
 */

/** Items by the number of baskets that contain them, most frequent first (ties: the more recently bought first). */
export function personalTopFrequent(s: PurchaseSequence, k: number): string[] {
  const count = new Map<string, number>();
  const last = new Map<string, number>();
  s.baskets.forEach((basket, i) => {
    for (const sku of basket) {
      count.set(sku, (count.get(sku) ?? 0) + 1);
      last.set(sku, i);
    }
  });
  return [...count.keys()]
    .filter((sku) => !s.returned.has(sku))
    .sort((a, b) => (count.get(b) as number) - (count.get(a) as number) || (last.get(b) as number) - (last.get(a) as number) || (a < b ? -1 : 1))
    .slice(0, k);
}

/** Items by the number of baskets (over all customers) that contain them, most frequent first. */
export function globalTopFrequent(sequences: Iterable<PurchaseSequence>, k: number): string[] {
  const count = new Map<string, number>();
  for (const s of sequences) for (const basket of s.baskets) for (const sku of basket) count.set(sku, (count.get(sku) ?? 0) + 1);
  return [...count.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, k)
    .map(([sku]) => sku);
}

/** P-TopFreq filled up to k with the global top items the customer has not got yet (GP-TopFreq). */
export function personalThenGlobalTopFrequent(s: PurchaseSequence, globalTop: readonly string[], k: number): string[] {
  const out = personalTopFrequent(s, k);
  const taken = new Set(out);
  for (const sku of globalTop) {
    if (out.length >= k) break;
    if (!taken.has(sku) && !s.returned.has(sku)) {
      out.push(sku);
      taken.add(sku);
    }
  }
  return out;
}

export interface TifuKnnParams {
  neighbours: number;
  withinDecay: number;
  groupDecay: number;
  /** Weight of the customer's own vector against the neighbours' mean. */
  alpha: number;
  groups: number;
}

/** The TIFU-KNN authors' published setting for Ta-Feng (k=300, r_b=0.9, r_g=0.7, α=0.7, m=7); not tuned here. */
export const TIFU_KNN_TAFENG: TifuKnnParams = { neighbours: 300, withinDecay: 0.9, groupDecay: 0.7, alpha: 0.7, groups: 7 };

interface SparseVector {
  idx: Int32Array;
  val: Float64Array;
  norm2: number;
}

/**
 * TIFU-KNN: a time-decayed, group-wise repeat vector per customer, mixed with the mean vector of the customer's
 * nearest neighbours (Euclidean, the customer included, as in the authors' code) among all `pool` sequences.
 * Returns the top-k SKUs for each query customer.
 */
export function tifuKnn(
  pool: readonly PurchaseSequence[],
  queries: readonly PurchaseSequence[],
  k: number,
  p: TifuKnnParams = TIFU_KNN_TAFENG,
): Map<string, string[]> {
  const itemIds = new Map<string, number>();
  const skus: string[] = [];
  const vectorOf = (s: PurchaseSequence): SparseVector => userVector(s, p, (sku) => {
    let id = itemIds.get(sku);
    if (id === undefined) {
      id = skus.length;
      itemIds.set(sku, id);
      skus.push(sku);
    }
    return id;
  });
  const poolVectors = pool.map(vectorOf);
  const queryVectors = queries.map(vectorOf);
  const nItems = skus.length;

  // Inverted index over the pool, and the pool ordered by norm: a neighbour sharing no item with the query is
  // at distance² = |q|² + |u|², so only the smallest-norm ones of those can be among the nearest.
  const postings: Array<Array<number>> = Array.from({ length: nItems }, () => []);
  poolVectors.forEach((v, u) => v.idx.forEach((i) => (postings[i] as number[]).push(u)));
  const postingVals: Float64Array[] = postings.map((users, i) => Float64Array.from(users, (u) => valueAt(poolVectors[u] as SparseVector, i)));
  const postingUsers = postings.map((users) => Int32Array.from(users));
  const byNorm = poolVectors.map((_, u) => u).sort((a, b) => (poolVectors[a] as SparseVector).norm2 - (poolVectors[b] as SparseVector).norm2);
  const smallest = byNorm.slice(0, p.neighbours);

  const dot = new Float64Array(pool.length);
  const touched = new Int32Array(pool.length);
  const mixed = new Float64Array(nItems);
  const out = new Map<string, string[]>();
  queries.forEach((s, qi) => {
    const q = queryVectors[qi] as SparseVector;
    let nTouched = 0;
    for (let j = 0; j < q.idx.length; j++) {
      const i = q.idx[j] as number;
      const qv = q.val[j] as number;
      const us = postingUsers[i] as Int32Array;
      const vs = postingVals[i] as Float64Array;
      for (let t = 0; t < us.length; t++) {
        const u = us[t] as number;
        if (dot[u] === 0) touched[nTouched++] = u;
        dot[u] = (dot[u] as number) + qv * (vs[t] as number);
      }
    }
    const cand: Array<[number, number]> = [];
    for (let t = 0; t < nTouched; t++) {
      const u = touched[t] as number;
      cand.push([u, q.norm2 + (poolVectors[u] as SparseVector).norm2 - 2 * (dot[u] as number)]);
    }
    for (const u of smallest) if (dot[u] === 0) cand.push([u, q.norm2 + (poolVectors[u] as SparseVector).norm2]);
    for (let t = 0; t < nTouched; t++) dot[touched[t] as number] = 0;
    cand.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const nn = cand.slice(0, p.neighbours);

    const used: number[] = [];
    const add = (v: SparseVector, w: number) => {
      if (w === 0) return;
      for (let j = 0; j < v.idx.length; j++) {
        const i = v.idx[j] as number;
        if (mixed[i] === 0) used.push(i);
        mixed[i] = (mixed[i] as number) + w * (v.val[j] as number);
      }
    };
    add(q, p.alpha);
    for (const [u] of nn) add(poolVectors[u] as SparseVector, (1 - p.alpha) / p.neighbours);
    const ranked = used
      .filter((i) => !s.returned.has(skus[i] as string))
      .sort((a, b) => (mixed[b] as number) - (mixed[a] as number) || a - b)
      .slice(0, k)
      .map((i) => skus[i] as string);
    for (const i of used) mixed[i] = 0;
    out.set(s.customerId, ranked);
  });
  return out;
}

function valueAt(v: SparseVector, item: number): number {
  // idx is sorted ascending
  let lo = 0;
  let hi = v.idx.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const x = v.idx[mid] as number;
    if (x === item) return v.val[mid] as number;
    if (x < item) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/**
 * Group-wise decayed repeat vector as in the authors' code: basket b of n weighs r_b^(n-1-b), a group is the mean
 * of its baskets, group g weighs r_g^(m-1-g), and the sum is divided by the number of groups.
 */
function userVector(s: PurchaseSequence, p: TifuKnnParams, idOf: (sku: string) => number): SparseVector {
  const n = s.baskets.length;
  const groups = splitIntoGroups(n, p.groups);
  const acc = new Map<number, number>();
  groups.forEach(([start, end], g) => {
    const gw = p.groupDecay ** (p.groups - 1 - g) / (end - start); // a group is the mean of its baskets
    for (let b = start; b < end; b++) {
      const bw = p.withinDecay ** (n - 1 - b);
      for (const sku of s.baskets[b] as string[]) {
        const id = idOf(sku);
        acc.set(id, (acc.get(id) ?? 0) + gw * bw);
      }
    }
  });
  const entries = [...acc.entries()].sort((a, b) => a[0] - b[0]);
  const realGroups = Math.max(1, groups.length);
  const idx = Int32Array.from(entries, (e) => e[0]);
  const val = Float64Array.from(entries, (e) => e[1] / realGroups);
  let norm2 = 0;
  for (const v of val) norm2 += v * v;
  return { idx, val, norm2 };
}

/** [start, end) basket ranges: one basket per group below m baskets, else m groups with the larger ones last. */
function splitIntoGroups(n: number, m: number): Array<[number, number]> {
  if (n < m) return Array.from({ length: n }, (_, i) => [i, i + 1] as [number, number]);
  const base = Math.floor(n / m);
  const extra = n - base * m;
  const out: Array<[number, number]> = [];
  let start = 0;
  for (let g = 0; g < m; g++) {
    const size = g < m - extra ? base : base + 1;
    out.push([start, start + size]);
    start += size;
  }
  return out;
}
