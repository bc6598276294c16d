import type { Database } from 'bun:sqlite';
import type { TransactionKind } from '../contract/enums.ts';
import { monthAtOffsetSql } from '../kernel/local-time.ts';

/*
 * customer_stats holds per-customer totals that do not decay with time; windowed figures (30/90/365 days)
 * are computed on read from the transactions index. Incremental updates on ingest and the rebuild from
 * facts must agree exactly: both count a sale/return when its transaction has the customer.
 */

export function addTransactionToStats(
  sqlite: Database,
  customerId: string,
  kind: TransactionKind,
  occurredAt: number,
  utcOffsetMin: number,
  total: number,
): void {
  sqlite
    .query(
      `INSERT INTO customer_months (customer_id, month, sales, revenue) VALUES (?, ${monthAtOffsetSql('?', '?')}, ?, ?)
       ON CONFLICT (customer_id, month) DO UPDATE SET sales = sales + excluded.sales, revenue = revenue + excluded.revenue`,
    )
    .run(customerId, occurredAt, utcOffsetMin, kind === 'sale' ? 1 : 0, total);
  if (kind === 'sale') {
    sqlite
      .query(
        `INSERT INTO customer_stats (customer_id, first_purchase_at, last_purchase_at, sale_count, sale_amount, return_count, return_amount)
         VALUES (?1, ?2, ?2, 1, ?3, 0, 0)
         ON CONFLICT (customer_id) DO UPDATE SET
           first_purchase_at = min(coalesce(first_purchase_at, ?2), ?2),
           last_purchase_at = max(coalesce(last_purchase_at, ?2), ?2),
           sale_count = sale_count + 1,
           sale_amount = sale_amount + ?3`,
      )
      .run(customerId, occurredAt, total);
  } else {
    sqlite
      .query(
        `INSERT INTO customer_stats (customer_id, first_purchase_at, last_purchase_at, sale_count, sale_amount, return_count, return_amount)
         VALUES (?1, NULL, NULL, 0, 0, 1, ?2)
         ON CONFLICT (customer_id) DO UPDATE SET return_count = return_count + 1, return_amount = return_amount + ?2`,
      )
      .run(customerId, -total);
  }
}

/** The store-local month of each transaction from its own UTC offset, as addTransactionToStats computes it. */
const MONTHS_FROM_FACTS = `
  SELECT customer_id, ${monthAtOffsetSql('occurred_at', 'utc_offset_min')} AS month, sum(kind = 'sale'), sum(total)
  FROM transactions`;

const STATS_FROM_FACTS = `
  SELECT customer_id,
         min(CASE WHEN kind = 'sale' THEN occurred_at END) AS first_purchase_at,
         max(CASE WHEN kind = 'sale' THEN occurred_at END) AS last_purchase_at,
         sum(kind = 'sale') AS sale_count,
         coalesce(sum(CASE WHEN kind = 'sale' THEN total END), 0) AS sale_amount,
         sum(kind = 'return') AS return_count,
         coalesce(-sum(CASE WHEN kind = 'return' THEN total END), 0) AS return_amount
  FROM transactions`;

export function recomputeCustomerStats(sqlite: Database, customerId: string): void {
  sqlite.query('DELETE FROM customer_stats WHERE customer_id = ?').run(customerId);
  sqlite
    .query(`INSERT INTO customer_stats ${STATS_FROM_FACTS} WHERE customer_id = ? GROUP BY customer_id`)
    .run(customerId);
  sqlite.query('DELETE FROM customer_months WHERE customer_id = ?').run(customerId);
  sqlite.query(`INSERT INTO customer_months ${MONTHS_FROM_FACTS} WHERE customer_id = ? GROUP BY customer_id, month`).run(customerId);
}

/** A merged-away customer's figures: gone (the survivor's are recomputed from the facts it now owns). */
export function forgetCustomerStats(sqlite: Database, customerId: string): void {
  sqlite.query('DELETE FROM customer_stats WHERE customer_id = ?').run(customerId);
  sqlite.query('DELETE FROM customer_months WHERE customer_id = ?').run(customerId);
}

/** Recomputes the stats tables from facts, in one transaction. */
export function rebuildDerived(sqlite: Database): { customers: number } {
  return sqlite.transaction(() => {
    sqlite.run('DELETE FROM customer_stats');
    sqlite.run(`INSERT INTO customer_stats ${STATS_FROM_FACTS} WHERE customer_id IS NOT NULL GROUP BY customer_id`);
    sqlite.run('DELETE FROM customer_months');
    sqlite.run(`INSERT INTO customer_months ${MONTHS_FROM_FACTS} WHERE customer_id IS NOT NULL GROUP BY customer_id, month`);
    const row = sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM customer_stats').get();
    return { customers: row?.n ?? 0 };
  })();
}
