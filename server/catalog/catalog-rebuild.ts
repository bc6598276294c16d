import type { Database } from 'bun:sqlite';
import { setMetric } from '../db/store-metrics.ts';

/**
 * Recomputes catalog_items from sold lines: the first name and category (catalog.service.ts says why), the
 * latest price, first, last and previous sale time.
 * The incremental update (catalog.service.ts) then continues after every transaction the rebuild has seen.
 */
export function rebuildCatalog(sqlite: Database): void {
  sqlite.run('DELETE FROM catalog_items');
  sqlite.run(
    `INSERT INTO catalog_items (sku, name, category, last_unit_price, first_sold_at, last_sold_at, previous_sold_at)
     WITH sold AS (
       SELECT l.sku, l.name, l.category, l.unit_price, t.occurred_at,
              row_number() OVER (PARTITION BY l.sku ORDER BY t.occurred_at DESC, t.id DESC, l.line_no DESC) AS rn,
              row_number() OVER (PARTITION BY l.sku ORDER BY l.name IS NULL, t.occurred_at, t.rowid, l.line_no) AS name_rn,
              row_number() OVER (PARTITION BY l.sku ORDER BY l.category IS NULL, t.occurred_at, t.rowid, l.line_no) AS category_rn,
              dense_rank() OVER (PARTITION BY l.sku ORDER BY t.occurred_at DESC) AS time_rank
       FROM transaction_lines l JOIN transactions t ON t.id = l.tx_id
       WHERE t.kind = 'sale' AND l.void = 0 AND l.sku IS NOT NULL)
     SELECT sku, max(CASE WHEN name_rn = 1 THEN name END), max(CASE WHEN category_rn = 1 THEN category END), max(CASE WHEN rn = 1 THEN unit_price END),
            min(occurred_at), max(occurred_at), max(CASE WHEN time_rank = 2 THEN occurred_at END)
     FROM sold GROUP BY sku`,
  );
  const seen = sqlite.query<{ n: number }, []>('SELECT coalesce(max(rowid), 0) AS n FROM transactions').get()?.n ?? 0;
  setMetric(sqlite, 'catalog_rowid', seen, 0);
}
