/**
 * How a period's transactions stand on tax, counted: `known` with a recorded tax (zero included), of them those
 * with a non-zero tax already inside their total (`included`, VAT) or charged on top of it (`onTop`), and
 * `unknown` without a recorded tax (older tills, history imports, rows stored before tax was recorded).
 */
export interface TaxCounts {
  known: number;
  included: number;
  onTop: number;
  unknown: number;
}

/**
 * Does the revenue (the transactions' totals) include tax? true when every transaction's tax is known and none was
 * charged on top (a zero tax is in any total); false when every one is known and none is included; null when it
 * cannot be said for the whole: any transaction of unknown tax, some included and some on top, or no transactions.
 */
export function revenueIncludesTax(c: TaxCounts): boolean | null {
  if (c.unknown > 0 || c.known === 0) return null;
  if (c.included > 0 && c.onTop > 0) return null;
  return c.onTop === 0;
}
