import type { Database } from 'bun:sqlite';
import type { LineInput } from '../ingest/transaction-input.ts';

/**
 * Keeps catalog_items current from sold lines: the latest name/category/price a POS sent, first and last
 * sale, and the sale before the last (a long gap between those two means the item is back in stock).
 * SQLite evaluates every SET expression on the old row, so previous_sold_at takes the old last_sold_at.
 */
export function recordSoldItems(sqlite: Database, lines: readonly LineInput[], occurredAt: number): void {
  const upsert = sqlite.query(
    `INSERT INTO catalog_items (sku, name, category, last_unit_price, first_sold_at, last_sold_at, previous_sold_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?5, NULL)
     ON CONFLICT (sku) DO UPDATE SET
       name = coalesce(excluded.name, name),
       category = coalesce(excluded.category, category),
       last_unit_price = coalesce(excluded.last_unit_price, last_unit_price),
       first_sold_at = min(first_sold_at, excluded.first_sold_at),
       previous_sold_at = CASE WHEN excluded.last_sold_at > last_sold_at THEN last_sold_at ELSE previous_sold_at END,
       last_sold_at = max(last_sold_at, excluded.last_sold_at)`,
  );
  for (const l of lines) {
    if (l.void || l.sku === null) continue;
    upsert.run(l.sku, l.name, l.category, l.unitPrice, occurredAt);
  }
}
