import { DAY_MS, type ItemStats } from './item-stats.ts';
import type { PurchaseSequence } from './purchase-sequence.ts';

/*
 * Candidates and their features for one customer at a reference time — the single feature spec used to export
 * the ranker's training rows and to score online, so the two cannot drift. Features describe the customer–item
 * relation and the item's store-wide behaviour, never the SKU itself, so a model transfers to another store.
 * Missing values are NaN (the tree ensemble's default branch).
 */

export const RANKER_FEATURES = [
  'c_baskets',
  'c_mean_basket_size',
  'c_days_since_last',
  'c_mean_gap_days',
  'c_distinct_items',
  'i_count',
  'i_share',
  'i_decay_b1',
  'i_decay_b3',
  'i_decay_b10',
  'i_decay_d30',
  'i_baskets_since_last',
  'i_days_since_last',
  'i_gap_days',
  'i_due_ratio',
  'i_baskets_since_first',
  'i_rank_personal',
  'co_last_sum',
  'co_last_max',
  'co_recent_sum',
  'co_history_sum',
  'co_rank',
  'g_pop',
  'g_recent_pop',
  'g_trend',
  'g_repeat_rate',
  'g_customer_share',
  'g_gap_days',
  'g_pop_rank',
  'src_own',
  'src_neighbour',
  'src_popular',
] as const;
export const FEATURE_COUNT = RANKER_FEATURES.length;
const F = Object.fromEntries(RANKER_FEATURES.map((name, i) => [name, i])) as Record<(typeof RANKER_FEATURES)[number], number>;

export interface CandidateLimits {
  /** The customer's own items, most (decayed) frequent first. */
  own: number;
  /** Co-purchase neighbours of the recent baskets not bought before. */
  neighbours: number;
  /** Store-wide popular items not bought before. */
  popular: number;
}
/*
 * Chosen on the internal split of Ta-Feng's training period (2,709 customers, shipped ranker): from 40 + 40 to
 * 10 neighbours + 20 popular items, Recall@10 0.1333 → 0.1329 (noise is ~±0.005) with ~54 candidates a customer
 * instead of ~103, so the ranker's trees run on about half the rows. A model's card records the limits it was
 * trained with, and serving uses those.
 */
export const DEFAULT_LIMITS: CandidateLimits = { own: 100, neighbours: 10, popular: 20 };

/** Serving-side view of the item statistics: SKU → index and popularity ranks, built once. */
export interface ItemContext {
  stats: ItemStats;
  indexOf: Map<string, number>;
  popRank: Int32Array;
  scratch: CoPurchaseScratch;
}

/**
 * Per-item accumulators of the co-purchase scores, indexed by item and reused for every customer (zeroed
 * again where touched): a customer's history spreads over thousands of neighbour entries, and as Maps
 * they were most of what scoring allocated, and so most of the garbage collections that stretched the
 * slowest rescorings. customerCandidates is synchronous, so two calls never share them at once.
 */
interface CoPurchaseScratch {
  lastSum: Float64Array;
  lastMax: Float64Array;
  recent: Float64Array;
  history: Float64Array;
  /** Best recency-weighted score from a recent-basket item, and that item's SKU (for reasons). */
  partnerScore: Float64Array;
  partnerSku: Array<string | undefined>;
  /** 1-based rank among the recent-basket neighbours; 0 = not one. */
  recentRank: Int32Array;
  /** Items touched by this customer (to zero afterwards) and those reached from recent baskets. */
  touched: number[];
  isTouched: Uint8Array;
  recentItems: number[];
  isRecent: Uint8Array;
}

function coPurchaseScratch(items: number): CoPurchaseScratch {
  return {
    lastSum: new Float64Array(items),
    lastMax: new Float64Array(items),
    recent: new Float64Array(items),
    history: new Float64Array(items),
    partnerScore: new Float64Array(items),
    partnerSku: new Array<string | undefined>(items).fill(undefined),
    recentRank: new Int32Array(items),
    touched: [],
    isTouched: new Uint8Array(items),
    recentItems: [],
    isRecent: new Uint8Array(items),
  };
}

function clearScratch(k: CoPurchaseScratch): void {
  for (const j of k.touched) {
    k.lastSum[j] = 0;
    k.lastMax[j] = 0;
    k.recent[j] = 0;
    k.history[j] = 0;
    k.partnerScore[j] = 0;
    k.partnerSku[j] = undefined;
    k.recentRank[j] = 0;
    k.isTouched[j] = 0;
    k.isRecent[j] = 0;
  }
  k.touched.length = 0;
  k.recentItems.length = 0;
}

export function itemContext(stats: ItemStats): ItemContext {
  const order = stats.skus.map((_, i) => i).sort((a, b) => (stats.basketCount[b] as number) - (stats.basketCount[a] as number) || a - b);
  const popRank = new Int32Array(stats.skus.length);
  order.forEach((item, rank) => (popRank[item] = rank + 1));
  return { stats, indexOf: new Map(stats.skus.map((sku, i) => [sku, i])), popRank, scratch: coPurchaseScratch(stats.skus.length) };
}

interface Personal {
  count: number;
  firstBasket: number;
  lastBasket: number;
  lastAt: number;
  gapSumDays: number;
  decayB1: number;
  decayB3: number;
  decayB10: number;
  decayD30: number;
}

export interface CustomerCandidates {
  skus: string[];
  /** Per candidate: the recent-basket SKU it is most bought with and that recency-weighted cosine (for reasons). */
  partners: Array<{ sku: string; cosine: number } | null>;
  /** Row-major, FEATURE_COUNT per candidate. */
  features: Float32Array;
}

const RECENT_BASKET_WEIGHTS = [1, 0.5, 0.25];

export function customerCandidates(s: PurchaseSequence, refTime: number, ctx: ItemContext, limits: CandidateLimits = DEFAULT_LIMITS): CustomerCandidates {
  const { stats, indexOf } = ctx;
  const n = s.baskets.length;
  const personal = new Map<string, Personal>();
  let sumB1 = 0;
  let sumB3 = 0;
  let sumB10 = 0;
  let sumD30 = 0;
  let items = 0;
  for (let b = 0; b < n; b++) {
    const age = n - 1 - b;
    const at = s.times[b] as number;
    const wB1 = 0.5 ** age;
    const wB3 = 0.5 ** (age / 3);
    const wB10 = 0.5 ** (age / 10);
    const wD30 = 0.5 ** (Math.max(0, refTime - at) / DAY_MS / 30);
    sumB1 += wB1;
    sumB3 += wB3;
    sumB10 += wB10;
    sumD30 += wD30;
    const basket = s.baskets[b] as string[];
    items += basket.length;
    for (const sku of basket) {
      let p = personal.get(sku);
      if (!p) {
        p = { count: 0, firstBasket: b, lastBasket: b, lastAt: at, gapSumDays: 0, decayB1: 0, decayB3: 0, decayB10: 0, decayD30: 0 };
        personal.set(sku, p);
      } else {
        p.gapSumDays += (at - p.lastAt) / DAY_MS;
      }
      p.count += 1;
      p.lastBasket = b;
      p.lastAt = at;
      p.decayB1 += wB1;
      p.decayB3 += wB3;
      p.decayB10 += wB10;
      p.decayD30 += wD30;
    }
  }

  // Co-purchase scores of neighbour items: with the last basket, the last few (weighted), and the whole history.
  const k = ctx.scratch;
  clearScratch(k); // in case a previous call threw half-way
  const touch = (j: number) => {
    if (k.isTouched[j] === 0) {
      k.isTouched[j] = 1;
      k.touched.push(j);
    }
  };
  const spreadLast = (item: number) => {
    const ids = stats.neighbourIds[item] as number[];
    const scores = stats.neighbourScores[item] as number[];
    for (let t = 0; t < ids.length; t++) {
      const j = ids[t] as number;
      const v = scores[t] as number;
      touch(j);
      k.lastSum[j] = (k.lastSum[j] as number) + v;
      if (v > (k.lastMax[j] as number)) k.lastMax[j] = v;
    }
  };
  const spreadRecent = (item: number, w: number, from: string) => {
    const ids = stats.neighbourIds[item] as number[];
    const scores = stats.neighbourScores[item] as number[];
    for (let t = 0; t < ids.length; t++) {
      const j = ids[t] as number;
      const v = (scores[t] as number) * w;
      touch(j);
      if (k.isRecent[j] === 0) {
        k.isRecent[j] = 1;
        k.recentItems.push(j);
      }
      k.recent[j] = (k.recent[j] as number) + v;
      if (v > (k.partnerScore[j] as number)) {
        k.partnerScore[j] = v;
        k.partnerSku[j] = from;
      }
    }
  };
  const spreadHistory = (item: number, w: number) => {
    const ids = stats.neighbourIds[item] as number[];
    const scores = stats.neighbourScores[item] as number[];
    for (let t = 0; t < ids.length; t++) {
      const j = ids[t] as number;
      touch(j);
      k.history[j] = (k.history[j] as number) + (scores[t] as number) * w;
    }
  };
  for (let r = 0; r < RECENT_BASKET_WEIGHTS.length && r < n; r++) {
    for (const sku of s.baskets[n - 1 - r] as string[]) {
      const item = indexOf.get(sku);
      if (item === undefined) continue;
      if (r === 0) spreadLast(item);
      spreadRecent(item, RECENT_BASKET_WEIGHTS[r] as number, sku);
    }
  }
  for (const [sku, p] of personal) {
    const item = indexOf.get(sku);
    if (item !== undefined) spreadHistory(item, p.decayB3 / sumB3);
  }

  // Candidate set: own items, then neighbours, then popular items; never a returned SKU.
  const own = [...personal.entries()]
    .filter(([sku]) => !s.returned.has(sku))
    .sort((a, b) => b[1].decayB3 - a[1].decayB3 || b[1].count - a[1].count || b[1].lastBasket - a[1].lastBasket)
    .slice(0, limits.own);
  const personalRank = new Map<string, number>(own.map(([sku], r) => [sku, r + 1]));
  const chosen = new Map<string, number>(); // sku → source bits: 1 own, 2 neighbour, 4 popular
  for (const [sku] of own) chosen.set(sku, 1);
  const neighbourOrder = k.recentItems.sort((a, b) => (k.recent[b] as number) - (k.recent[a] as number) || a - b);
  neighbourOrder.forEach((item, r) => (k.recentRank[item] = r + 1));
  let added = 0;
  for (const item of neighbourOrder) {
    if (added >= limits.neighbours) break;
    const sku = stats.skus[item] as string;
    if (s.returned.has(sku)) continue;
    const bits = chosen.get(sku);
    if (bits === undefined) {
      chosen.set(sku, 2);
      added += 1;
    } else chosen.set(sku, bits | 2);
  }
  added = 0;
  for (const item of stats.popular) {
    if (added >= limits.popular) break;
    const sku = stats.skus[item] as string;
    if (s.returned.has(sku)) continue;
    const bits = chosen.get(sku);
    if (bits === undefined) {
      chosen.set(sku, 4);
      added += 1;
    } else chosen.set(sku, bits | 4);
  }

  const lastAt = n > 0 ? (s.times[n - 1] as number) : Number.NaN;
  const customerRow = [
    n,
    n > 0 ? items / n : Number.NaN,
    n > 0 ? (refTime - lastAt) / DAY_MS : Number.NaN,
    n > 1 ? (lastAt - (s.times[0] as number)) / DAY_MS / (n - 1) : Number.NaN,
    personal.size,
  ];
  const skus = [...chosen.keys()];
  const out = new Float32Array(skus.length * FEATURE_COUNT).fill(Number.NaN);
  const partners: CustomerCandidates['partners'] = [];
  skus.forEach((sku, c) => {
    const o = c * FEATURE_COUNT;
    for (let f = 0; f < customerRow.length; f++) out[o + f] = customerRow[f] as number;
    const bits = chosen.get(sku) as number;
    const p = personal.get(sku);
    if (p) {
      const daysSince = (refTime - p.lastAt) / DAY_MS;
      out[o + F.i_count] = p.count;
      out[o + F.i_share] = p.count / n;
      out[o + F.i_decay_b1] = p.decayB1 / sumB1;
      out[o + F.i_decay_b3] = p.decayB3 / sumB3;
      out[o + F.i_decay_b10] = p.decayB10 / sumB10;
      out[o + F.i_decay_d30] = sumD30 > 0 ? p.decayD30 / sumD30 : 0;
      out[o + F.i_baskets_since_last] = n - 1 - p.lastBasket;
      out[o + F.i_days_since_last] = daysSince;
      out[o + F.i_baskets_since_first] = n - 1 - p.firstBasket;
      out[o + F.i_rank_personal] = personalRank.get(sku) ?? Number.NaN;
      if (p.count > 1) {
        const gap = p.gapSumDays / (p.count - 1);
        out[o + F.i_gap_days] = gap;
        if (gap > 0) out[o + F.i_due_ratio] = daysSince / gap;
      }
    } else {
      out[o + F.i_count] = 0;
      out[o + F.i_share] = 0;
    }
    const item = indexOf.get(sku);
    const partnerSku = item === undefined ? undefined : k.partnerSku[item];
    partners.push(partnerSku === undefined ? null : { sku: partnerSku, cosine: k.partnerScore[item as number] as number });
    if (item !== undefined) {
      out[o + F.co_last_sum] = k.lastSum[item] as number;
      out[o + F.co_last_max] = k.lastMax[item] as number;
      out[o + F.co_recent_sum] = k.recent[item] as number;
      out[o + F.co_history_sum] = k.history[item] as number;
      out[o + F.co_rank] = k.recentRank[item] || Number.NaN;
      const pop = (stats.basketCount[item] as number) / Math.max(1, stats.baskets);
      const recentPop = (stats.recentCount[item] as number) / Math.max(1, stats.recentBaskets);
      out[o + F.g_pop] = pop;
      out[o + F.g_recent_pop] = recentPop;
      out[o + F.g_trend] = (recentPop + 1e-5) / (pop + 1e-5);
      const buyers = stats.customerCount[item] as number;
      out[o + F.g_repeat_rate] = buyers > 0 ? (stats.repeatCustomers[item] as number) / buyers : Number.NaN;
      out[o + F.g_customer_share] = buyers / Math.max(1, stats.customers);
      const gap = stats.meanGapDays[item] as number;
      if (gap > 0) out[o + F.g_gap_days] = gap;
      out[o + F.g_pop_rank] = ctx.popRank[item] as number;
    }
    out[o + F.src_own] = bits & 1 ? 1 : 0;
    out[o + F.src_neighbour] = bits & 2 ? 1 : 0;
    out[o + F.src_popular] = bits & 4 ? 1 : 0;
  });
  clearScratch(k);
  return { skus, partners, features: out };
}

/** Index of a feature by name (for reasons and tests). */
export function featureIndex(name: (typeof RANKER_FEATURES)[number]): number {
  return F[name];
}
