import { DAY_MS } from '../../kernel/clock.ts';
import type { PurchaseSequence } from './purchase-sequence.ts';

/*
 * Store-wide item statistics the ranker's features read: popularity (all time and recent), how often buyers come
 * back for an item, its typical repurchase gap, and co-purchase neighbours (cosine over baskets). Training
 * computes them over the training histories (and saves them beside the model, ranker.items.json, for the
 * record); serving computes the same shape over the store's own sales (scoring/serving/store-item-stats.ts), so
 * a model trained anywhere only ever sees, and recommends, the items of the store it serves.
 * "Recent" is relative to the latest basket in the data, not to the as-of time, so a training snapshot (labels
 * held out) and the serving snapshot see windows of the same shape.
 */

export { DAY_MS };
export const RECENT_DAYS = 28;
const NEIGHBOURS_PER_ITEM = 30;
const MIN_CO_BASKETS = 2;
/** Pairs are counted over at most this many items of a basket: the cost grows with the square of basket size. */
const MAX_PAIR_ITEMS = 40;
export const POPULAR_LIST_SIZE = 100;

export interface ItemStats {
  version: 1;
  /** Reference instant (epoch ms) of the recent window: the latest basket in the data. */
  refTime: number;
  baskets: number;
  recentBaskets: number;
  customers: number;
  skus: string[];
  /** Per item (same order as skus). */
  basketCount: number[];
  recentCount: number[];
  customerCount: number[];
  /** Customers who bought the item in two or more baskets. */
  repeatCustomers: number[];
  /** Mean days between consecutive purchases of the item by the same customer; 0 when nobody bought it twice. */
  meanGapDays: number[];
  /** Per item: neighbour item indices and cosine scores, best first. */
  neighbourIds: number[][];
  neighbourScores: number[][];
  /** Item indices by recent popularity, then all-time popularity. */
  popular: number[];
}

/** A basket of a sale without a customer (distinct SKUs): counts toward popularity and co-purchase only. */
export interface AnonymousBasket {
  at: number;
  skus: string[];
}

/**
 * Statistics over identified customers' sequences and, optionally, anonymous baskets. Anonymous sales count in
 * the basket totals, item popularity (all time and recent) and co-purchase pairs; the per-customer figures
 * (customers, buyers, repeat buyers, repurchase gaps) come from identified customers only.
 */
export function computeItemStats(sequences: readonly PurchaseSequence[], anonymous: readonly AnonymousBasket[] = []): ItemStats {
  let refTime = Number.NEGATIVE_INFINITY;
  for (const s of sequences) {
    const last = s.times[s.times.length - 1];
    if (last !== undefined && last > refTime) refTime = last;
  }
  for (const b of anonymous) if (b.skus.length > 0 && b.at > refTime) refTime = b.at;
  const builder = itemStatsBuilder(Number.isFinite(refTime) ? refTime : 0);
  for (const s of sequences) builder.addCustomer(s);
  for (const b of anonymous) builder.addAnonymous(b);
  return builder.finish();
}

/**
 * The same statistics fed a customer (or an anonymous basket) at a time, for data too big to hold at once
 * (a store's whole history, read a page at a time). `refTime` must be known up front: the latest basket.
 * Items are numbered in the order they are first met, so feeding the same data in the same order gives the
 * same statistics.
 */
export interface ItemStatsBuilder {
  /** Each returns the work it did (co-purchase pair counts and item counts), for callers that pace themselves. */
  addCustomer(s: PurchaseSequence): number;
  addAnonymous(b: AnonymousBasket): number;
  finish(): ItemStats;
  /** The same as finish, yielding every few hundred items (ranking neighbours is most of its time). */
  finishSteps(): Generator<void, ItemStats, void>;
}

/** Items whose neighbours are ranked between two yields of finishSteps. */
const ITEMS_PER_STEP = 100;

export function itemStatsBuilder(refTime: number): ItemStatsBuilder {
  const ids = new Map<string, number>();
  const skus: string[] = [];
  const basketCount: number[] = [];
  const recentCount: number[] = [];
  const customerCount: number[] = [];
  const repeatCustomers: number[] = [];
  const gapSum: number[] = [];
  const gapN: number[] = [];
  const idOf = (sku: string): number => {
    let id = ids.get(sku);
    if (id === undefined) {
      id = skus.length;
      ids.set(sku, id);
      skus.push(sku);
      basketCount.push(0);
      recentCount.push(0);
      customerCount.push(0);
      repeatCustomers.push(0);
      gapSum.push(0);
      gapN.push(0);
    }
    return id;
  };
  const co = new Map<number, Map<number, number>>();
  let baskets = 0;
  let recentBaskets = 0;
  let customers = 0;
  const recentFrom = refTime - RECENT_DAYS * DAY_MS;

  /** Counts one basket (distinct item ids) in the store-wide figures and the co-purchase pairs; returns the work. */
  const countBasket = (bIds: number[], recent: boolean): number => {
    baskets += 1;
    if (recent) recentBaskets += 1;
    for (const i of bIds) {
      basketCount[i] = (basketCount[i] as number) + 1;
      if (recent) recentCount[i] = (recentCount[i] as number) + 1;
    }
    const pairIds = bIds.length > MAX_PAIR_ITEMS ? bIds.slice(0, MAX_PAIR_ITEMS) : bIds;
    for (const i of pairIds) {
      let row = co.get(i);
      if (!row) co.set(i, (row = new Map()));
      for (const j of pairIds) if (j !== i) row.set(j, (row.get(j) ?? 0) + 1);
    }
    return bIds.length + pairIds.length * pairIds.length;
  };

  return {
    addCustomer(s) {
      if (s.baskets.length === 0) return 0;
      customers += 1;
      let work = 0;
      const lastAt = new Map<number, number>();
      const times = new Map<number, number>();
      s.baskets.forEach((b, bi) => {
        const at = s.times[bi] as number;
        const bIds = b.map(idOf);
        work += countBasket(bIds, at > recentFrom);
        for (const i of bIds) {
          const prev = lastAt.get(i);
          if (prev !== undefined) {
            gapSum[i] = (gapSum[i] as number) + (at - prev) / DAY_MS;
            gapN[i] = (gapN[i] as number) + 1;
          }
          lastAt.set(i, at);
          times.set(i, (times.get(i) ?? 0) + 1);
        }
      });
      for (const [i, t] of times) {
        customerCount[i] = (customerCount[i] as number) + 1;
        if (t >= 2) repeatCustomers[i] = (repeatCustomers[i] as number) + 1;
      }
      return work;
    },
    addAnonymous(b) {
      if (b.skus.length === 0) return 0;
      return countBasket([...new Set(b.skus)].map(idOf), b.at > recentFrom);
    },
    finish() {
      const steps = this.finishSteps();
      for (;;) {
        const next = steps.next();
        if (next.done) return next.value;
      }
    },
    *finishSteps() {
      const n = skus.length;
      const neighbourIds: number[][] = [];
      const neighbourScores: number[][] = [];
      for (let i = 0; i < n; i++) {
        if (i > 0 && i % ITEMS_PER_STEP === 0) yield;
        const row = co.get(i);
        const scored: Array<[number, number]> = [];
        if (row) {
          for (const [j, c] of row) {
            if (c < MIN_CO_BASKETS) continue;
            scored.push([j, c / Math.sqrt((basketCount[i] as number) * (basketCount[j] as number))]);
          }
        }
        scored.sort((a, b) => b[1] - a[1] || a[0] - b[0]);
        const top = scored.slice(0, NEIGHBOURS_PER_ITEM);
        neighbourIds.push(top.map((x) => x[0]));
        neighbourScores.push(top.map((x) => round6(x[1])));
      }
      const popular = skus
        .map((_, i) => i)
        .sort((a, b) => (recentCount[b] as number) - (recentCount[a] as number) || (basketCount[b] as number) - (basketCount[a] as number) || a - b)
        .slice(0, POPULAR_LIST_SIZE);
      return {
        version: 1,
        refTime,
        baskets,
        recentBaskets,
        customers,
        skus,
        basketCount,
        recentCount,
        customerCount,
        repeatCustomers,
        meanGapDays: gapSum.map((g, i) => ((gapN[i] as number) > 0 ? round6(g / (gapN[i] as number)) : 0)),
        neighbourIds,
        neighbourScores,
        popular,
      };
    },
  };
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

