import { readLinesCsv } from '../ingest/csv/read-lines-csv.ts';

/*
 * The one shape every model reads: a customer's baskets in time order. Training (from a lines CSV) and
 * serving (from the store's SQLite facts) both build it, so features are computed by the same code in
 * both places. Times are epoch milliseconds (UTC); money in minor units; quantities in thousandths.
 */

export interface BasketItem {
  sku: string;
  quantityMilli: number;
  /** Minor units; null when the source has no amount for the line. */
  amountMinor: number | null;
}

export interface Basket {
  at: number;
  /** Net amount of the basket in minor units (0 when the source has no amounts); returns are negative. */
  amountMinor: number;
  /** Items with a SKU (lines without one still count toward the amount). */
  items: BasketItem[];
  isReturn: boolean;
}

export interface CustomerHistory {
  customerId: string;
  /** Ascending by `at`. Same-day purchases are separate baskets here; features decide how to count them. */
  baskets: Basket[];
}

export interface ReadHistoriesOptions {
  /** Only lines at or before this instant (epoch ms) are kept: nothing after the as-of time is ever read. */
  until?: number;
  minorDigits?: number;
}

/**
 * Reads a lines CSV (`.csv` or `.csv.gz`, streamed) into per-customer histories. Lines of one
 * (customer_id, transaction_id) form one basket; a basket whose lines are all negative is a return.
 * Rows that cannot be parsed are skipped and counted in `rejected`; anonymous lines are skipped (`lines`
 * counts the lines kept).
 */
export async function readHistoriesFromCsv(
  path: string,
  opts: ReadHistoriesOptions = {},
): Promise<{ histories: Map<string, CustomerHistory>; rejected: number; lines: number }> {
  const until = opts.until ?? Number.POSITIVE_INFINITY;
  const byCustomer = new Map<string, Map<string, Basket>>();
  let rejected = 0;
  let lines = 0;
  for await (const rows of readLinesCsv(path, { minorDigits: opts.minorDigits ?? 2, onReject: () => (rejected += 1) })) {
    for (const r of rows) {
      // Anonymous lines belong to no customer's history.
      if (r.occurredAt > until || r.customerId === null) continue;
      lines += 1;
      let baskets = byCustomer.get(r.customerId);
      if (!baskets) byCustomer.set(r.customerId, (baskets = new Map()));
      let basket = baskets.get(r.transactionId);
      if (!basket) baskets.set(r.transactionId, (basket = { at: r.occurredAt, amountMinor: 0, items: [], isReturn: true }));
      basket.amountMinor += r.amountMinor ?? 0;
      const returned = r.quantityMilli < 0 || (r.amountMinor !== null && r.amountMinor < 0);
      if (!returned) basket.isReturn = false;
      if (r.sku !== null) basket.items.push({ sku: r.sku, quantityMilli: r.quantityMilli, amountMinor: r.amountMinor });
    }
  }
  const histories = new Map<string, CustomerHistory>();
  for (const [customerId, baskets] of byCustomer) {
    histories.set(customerId, { customerId, baskets: [...baskets.values()].sort((a, b) => a.at - b.at) });
  }
  return { histories, rejected, lines };
}
