import type { Database } from 'bun:sqlite';
import { getMetric, setMetric } from '../db/store-metrics.ts';

/*
 * catalog_items follows the sold lines: latest name/category/price, first and last sale, and the sale
 * before the last (a long gap between those two means the item is back in stock). It is brought up to
 * date by the daily sweep from the transactions stored since its last run (by rowid, so a POS backlog
 * with old timestamps is not missed) — off the POS hot path. SQLite evaluates every SET expression on
 * the old row, so previous_sold_at takes the old last_sold_at.
 */

const UPSERT = `INSERT INTO catalog_items (sku, name, category, last_unit_price, first_sold_at, last_sold_at, previous_sold_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?5, NULL)
  ON CONFLICT (sku) DO UPDATE SET
    name = coalesce(excluded.name, name),
    category = coalesce(excluded.category, category),
    last_unit_price = coalesce(excluded.last_unit_price, last_unit_price),
    first_sold_at = min(first_sold_at, excluded.first_sold_at),
    previous_sold_at = CASE WHEN excluded.last_sold_at > last_sold_at THEN last_sold_at ELSE previous_sold_at END,
    last_sold_at = max(last_sold_at, excluded.last_sold_at)`;

interface Sold {
  name: string | null;
  category: string | null;
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
    const s = bySku.get(r.sku) ?? { name: null, category: null, price: null, times: [] };
    s.name = r.name ?? s.name;
    s.category = r.category ?? s.category;
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
    for (const t of s.times.sort((a, b) => a - b)) upsert.run(sku, s.name, s.category, s.price, t);
  }
  const last = sqlite.query<{ n: number | null }, []>('SELECT max(rowid) AS n FROM transactions').get()?.n ?? 0;
  setMetric(sqlite, 'catalog_rowid', Math.max(maxRowid, last), now);
  return { transactions: rows.length, skus: bySku.size };
}
