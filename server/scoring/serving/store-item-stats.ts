import type { Database } from 'bun:sqlite';
import { getMetric, setMetric, setMetricJson } from '../../db/store-metrics.ts';
import { customerRanges, drain, type Steps } from '../../db/sweep-steps.ts';
import { sha256 } from '../../kernel/hash.ts';
import { itemContext, type ItemContext } from '../recommend/candidate-features.ts';
import { itemStatsBuilder, type ItemStats } from '../recommend/item-stats.ts';
import { purchaseSequence } from '../recommend/purchase-sequence.ts';
import { historiesBetween, SKEW_MS } from './db-history.ts';

/*
 * The ranker's item context at serving time, from the store's own sales: the same ItemStats the training
 * computes over its histories, here over every sale the store has — identified customers (read as the
 * models read them, db-history.ts) for the per-customer figures, anonymous sales too for popularity and
 * co-purchase. A model shipped from elsewhere therefore only ever sees, and recommends, this store's items;
 * a store without sales has an empty context and recommends nothing but a customer's own purchases (none).
 *
 * Kept in store_metrics (one JSON row, and a small state row naming its version) rather than a file under
 * DATA_DIR: it is derived data written in the same transaction as the sweep step or import that computes it,
 * so a crash never leaves a half-written context, `cli rebuild` and a copied database carry it along, and
 * the scoring threads see it through their own read connections without a file protocol of their own.
 */

export const ITEM_STATS_METRIC = 'item_stats';
/** Written with the statistics; readers compare its id to know when to load them again. */
export const ITEM_STATS_STATE_METRIC = 'item_stats_state';

export interface ItemStatsState {
  /** A hash of the statistics: changes when they do. */
  id: string;
  computedAt: number;
  /** The transactions rowid the computation started after (everything at or below it was seen). */
  throughRowid: number;
  items: number;
  baskets: number;
}

interface AnonymousRow {
  id: string;
  at: number;
  sku: string | null;
  quantity_milli: number | null;
}

/**
 * Pages of the computation. Unlike the sweep's SQL phases, each basket here is walked in JavaScript, and
 * its co-purchase pairs grow with the square of its size (a wholesaler's 40-item baskets cost 1,600 counts
 * each): a step also ends once it has done WORK_PER_STEP counts (~20–40 ms on the 2-core box), so a POS sale
 * never waits long behind it whatever the baskets look like (bench:item-stats).
 */
export const ITEM_STATS_PAGING = { customers: 200, transactions: 200 };
const WORK_PER_STEP = 50_000;

/**
 * Computes the store's item statistics a page at a time (customers, then anonymous sales, then the
 * neighbour lists), for the stepwise runner of the sweep and the refresh; nothing is written until
 * saveStoreItemStats.
 */
export function* storeItemStatsSteps(sqlite: Database, now: number, paging = ITEM_STATS_PAGING): Steps<{ stats: ItemStats; throughRowid: number }> {
  const throughRowid = sqlite.query<{ n: number | null }, []>('SELECT max(rowid) AS n FROM transactions').get()?.n ?? 0;
  // "Recent" is relative to the latest sale, as in training (item-stats.ts); facts stamped ahead of the
  // store's clock count as now, as db-history.ts reads them.
  const latest = sqlite.query<{ at: number | null }, [number]>("SELECT max(occurred_at) AS at FROM transactions WHERE kind = 'sale' AND occurred_at <= ?").get(now + SKEW_MS)?.at ?? null;
  const builder = itemStatsBuilder(latest === null ? 0 : Math.min(latest, now));
  let work = 0;
  // Each page is read whole (.all()), so a yield between its customers holds no statement open.
  for (const { after, through } of customerRanges(sqlite, paging.customers)) {
    for (const h of historiesBetween(sqlite, now, after, through)) {
      work += builder.addCustomer(purchaseSequence(h, now));
      if (work >= WORK_PER_STEP) {
        work = 0;
        yield;
      }
    }
    yield;
  }
  // Anonymous sales in (time, id) pages; a page holds whole transactions. Negative lines inside a sale are
  // not purchases (as in purchaseSequence).
  const page = sqlite.query<AnonymousRow, [number, string, number, number]>(
    `SELECT t.id, t.occurred_at AS at, l.sku, l.quantity_milli FROM (
       SELECT id, occurred_at FROM transactions
       WHERE customer_id IS NULL AND kind = 'sale' AND (occurred_at > ?1 OR (occurred_at = ?1 AND id > ?2)) AND occurred_at <= ?3
       ORDER BY occurred_at, id LIMIT ?4) t
     LEFT JOIN transaction_lines l ON l.tx_id = t.id AND l.void = 0 AND l.sku IS NOT NULL
     ORDER BY t.occurred_at, t.id, l.line_no`,
  );
  for (let cursor = { at: Number.MIN_SAFE_INTEGER, id: '' }; ; yield) {
    const rows = page.all(cursor.at, cursor.id, now + SKEW_MS, paging.transactions);
    let basket = null as { id: string; at: number; skus: string[] } | null;
    let transactions = 0;
    for (const r of rows) {
      if (basket?.id !== r.id) {
        if (basket) work += builder.addAnonymous(basket);
        if (work >= WORK_PER_STEP) {
          work = 0;
          yield;
        }
        basket = { id: r.id, at: Math.min(r.at, now), skus: [] };
        transactions += 1;
        cursor = { at: r.at, id: r.id };
      }
      if (r.sku !== null && (r.quantity_milli ?? 0) > 0) basket.skus.push(r.sku);
    }
    if (basket) builder.addAnonymous(basket);
    if (transactions < paging.transactions) break;
  }
  return { stats: yield* builder.finishSteps(), throughRowid };
}

export function saveStoreItemStats(sqlite: Database, computed: { stats: ItemStats; throughRowid: number }, now: number): ItemStatsState {
  const json = JSON.stringify(computed.stats);
  const state: ItemStatsState = {
    id: sha256(json).slice(0, 16),
    computedAt: now,
    throughRowid: computed.throughRowid,
    items: computed.stats.skus.length,
    baskets: computed.stats.baskets,
  };
  setMetricJson(sqlite, ITEM_STATS_METRIC, json, now);
  setMetric(sqlite, ITEM_STATS_STATE_METRIC, state, now);
  return state;
}

/** Computes and stores the store's item statistics now, in one transaction (import, rebuild, CLI, tests). */
export function refreshStoreItemStats(sqlite: Database, now: number, paging = { customers: 5000, transactions: 5000 }): ItemStatsState {
  return sqlite.transaction(() => saveStoreItemStats(sqlite, drain(storeItemStatsSteps(sqlite, now, paging)), now))();
}

export function itemStatsState(sqlite: Database): ItemStatsState | null {
  return getMetric<ItemStatsState>(sqlite, ITEM_STATS_STATE_METRIC);
}

/** No sales yet: nothing to recommend from. */
function emptyItemStats(): ItemStats {
  return itemStatsBuilder(0).finish();
}

/**
 * The store's item context for scoring on this connection, loaded again only when a newer computation has
 * been stored (one small read per call to find out).
 */
export function storeItemContext(sqlite: Database): () => ItemContext {
  let loadedId: string | null | undefined;
  let ctx: ItemContext = itemContext(emptyItemStats());
  return () => {
    const id = itemStatsState(sqlite)?.id ?? null;
    if (id !== loadedId) {
      ctx = itemContext(getMetric<ItemStats>(sqlite, ITEM_STATS_METRIC) ?? emptyItemStats());
      loadedId = id;
    }
    return ctx;
  };
}
