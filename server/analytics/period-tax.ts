import type { Database } from 'bun:sqlite';
import { revenueIncludesTax, type TaxCounts } from '../kernel/revenue-includes-tax.ts';

export interface PeriodTax {
  /** Net tax of the transactions whose tax is known (returns subtract), minor units. */
  taxMinor: number;
  revenueIncludesTax: boolean | null;
  unknownTransactions: number;
}

/** The tax of the transactions in [from, to) (epoch ms), read over the occurred_at index. */
export function periodTax(sqlite: Database, from: number, to: number): PeriodTax {
  const row = sqlite
    .query<TaxCounts & { tax: number | null }, [number, number]>(
      `SELECT coalesce(sum(tax IS NOT NULL), 0) AS known, coalesce(sum(tax > 0 AND tax_included = 1), 0) AS included,
              coalesce(sum(tax > 0 AND tax_included = 0), 0) AS onTop, coalesce(sum(tax IS NULL), 0) AS unknown,
              sum(CASE WHEN kind = 'return' THEN -tax ELSE tax END) AS tax
       FROM transactions INDEXED BY transactions_time WHERE occurred_at >= ? AND occurred_at < ?`,
    )
    .get(from, to)!;
  return { taxMinor: row.tax ?? 0, revenueIncludesTax: revenueIncludesTax(row), unknownTransactions: row.unknown };
}
