import type { Database } from 'bun:sqlite';
import { getMetric, setMetric } from '../db/store-metrics.ts';

/*
 * catalog_items follows the sold lines: the item's name and category, its latest price, first and last
 * sale, and the sale before the last (a long gap between those two means the item is back in stock). It is
 * brought up to date by the daily sweep and after an import, from the transactions stored since its last
 * run (by rowid, so a POS backlog with old timestamps is not missed) — off the POS hot path. SQLite
 * evaluates every SET expression on the old row, so previous_sold_at takes the old last_sold_at.
 *
 * Name and category are learnt from the first (earliest) sale line that carries them, not the latest: a
 * till or a back office reuses a SKU's description field for notes on odd lines (in the Online Retail data
 * a best seller's later lines read "?", "damaged", "wrong barcode"), and the name an associate has seen on
 * the card should not flip with each of them. A line earlier than everything seen so far (a backlog) still
 * takes over, so the incremental update and rebuildCatalog agree.
 */

const UPSERT = `INSERT INTO catalog_items (sku, name, category, last_unit_price, first_sold_at, last_sold_at, previous_sold_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?5, NULL)
  ON CONFLICT (sku) DO UPDATE SET
    name = CASE WHEN name IS NULL OR (excluded.name IS NOT NULL AND excluded.first_sold_at < first_sold_at) THEN coalesce(excluded.name, name) ELSE name END,
    category = CASE WHEN category IS NULL OR (excluded.category IS NOT NULL AND excluded.first_sold_at < first_sold_at) THEN coalesce(excluded.category, category) ELSE category END,
    last_unit_price = coalesce(excluded.last_unit_price, last_unit_price),
    first_sold_at = min(first_sold_at, excluded.first_sold_at),
    previous_sold_at = CASE WHEN excluded.last_sold_at > last_sold_at THEN last_sold_at ELSE previous_sold_at END,
    last_sold_at = max(last_sold_at, excluded.last_sold_at)`;

interface Sold {
  /** The earliest named line's name and its sale time (and the same for the category). */
  name: string | null;
  nameAt: number;
  category: string | null;
  categoryAt: number;
  price: number | null;
  /** Distinct sale times, kept to the first and the two latest: all the upsert needs. */
  times: number[];
}

export function updateCatalog(sqlite: Database, now: number): { transactions: number; skus: number } {
  const after = Number(getMetric<number>(sqlite, 'catalog_rowid') ?? 0);
  const rows = sqlite
    .query<{ rowid: number; sku: string; name: string | null; category: string | null; unit_price: number | null; occurred_at: number }, [number]>(
      `SELECT t.rowid, l.sku, l.name, l.category, l.unit_price, t.occurred_at FROM transactions t JOIN transaction_lines l ON l.tx_id = t.id
       WHERE t.rowid > ? AND t.kind = 'sale' AND l.void = 0 AND l.sku IS NOT NULL ORDER BY t.rowid`,
    )
    .all(after);
  const bySku = new Map<string, Sold>();
  let maxRowid = after;
  for (const r of rows) {
    maxRowid = Math.max(maxRowid, r.rowid);
    const s = bySku.get(r.sku) ?? { name: null, nameAt: Number.POSITIVE_INFINITY, category: null, categoryAt: Number.POSITIVE_INFINITY, price: null, times: [] };
    // The earliest line that names the SKU (on a tie, the first stored).
    if (r.name !== null && r.occurred_at < s.nameAt) [s.name, s.nameAt] = [r.name, r.occurred_at];
    if (r.category !== null && r.occurred_at < s.categoryAt) [s.category, s.categoryAt] = [r.category, r.occurred_at];
    s.price = r.unit_price ?? s.price;
    if (!s.times.includes(r.occurred_at)) {
      s.times.push(r.occurred_at);
      if (s.times.length > 3) {
        s.times.sort((a, b) => a - b);
        s.times.splice(1, s.times.length - 3);
      }
    }
    bySku.set(r.sku, s);
  }
  const upsert = sqlite.query(UPSERT);
  for (const [sku, s] of bySku) {
    // Name and category first, each at its own line's time, so the upsert compares that time with the
    // catalog's first sale before this batch moves it; then the sale times.
    if (s.name !== null) upsert.run(sku, s.name, null, s.price, s.nameAt);
    if (s.category !== null) upsert.run(sku, null, s.category, s.price, s.categoryAt);
    for (const t of s.times.sort((a, b) => a - b)) upsert.run(sku, null, null, s.price, t);
  }
  const last = sqlite.query<{ n: number | null }, []>('SELECT max(rowid) AS n FROM transactions').get()?.n ?? 0;
  setMetric(sqlite, 'catalog_rowid', Math.max(maxRowid, last), now);
  return { transactions: rows.length, skus: bySku.size };
}

export interface CatalogEntry {
  name: string | null;
  category: string | null;
}

/** Name and category of each of these SKUs the catalog knows (a SKU it does not know is left out). */
export function catalogEntries(sqlite: Database, skus: Iterable<string>): Map<string, CatalogEntry> {
  const get = sqlite.query<CatalogEntry, [string]>('SELECT name, category FROM catalog_items WHERE sku = ?');
  const out = new Map<string, CatalogEntry>();
  for (const sku of skus) {
    if (out.has(sku)) continue;
    const row = get.get(sku);
    if (row) out.set(sku, { name: row.name, category: row.category });
  }
  return out;
}
