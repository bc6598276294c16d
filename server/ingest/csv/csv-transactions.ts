import { normalizeOpaqueId } from '../../identity/normalize-identifier.ts';
import type { LineInput, TransactionInput } from '../../kernel/transaction-input.ts';
import { type LinesCsvRow, readLinesCsv, type ReadLinesCsvOptions } from './read-lines-csv.ts';

/*
 * Lines CSV → transactions. Rows with the same (transaction_id, customer_id) close together in the file are
 * one transaction at its first line's time: POS exports stamp lines as they were scanned (a basket may span
 * a minute) and may interleave two tills' baskets. A basket is closed once OPEN_ROWS rows have passed without
 * a line of it; a transaction_id that comes back after that is a second receipt with the same number, which
 * the ingest rules refuse as a conflict. The customer is identified by `customer_id` as a member id; an
 * empty one is an anonymous sale. Lines with a negative quantity or amount are returned goods: a basket of
 * only those is a return; a mixed basket is split into its sale and a return (receipt `<id>#R`), since a
 * transaction has one direction. Amounts in the file are line totals; unit prices are unknown.
 */

export interface CsvTransactionsOptions extends ReadLinesCsvOptions {
  storeId: string;
  terminalId?: string;
}

/** Rows after which a basket with no new line is complete. */
const OPEN_ROWS = 1000;

function toLine(r: LinesCsvRow): LineInput {
  return {
    sku: r.sku,
    name: r.name,
    category: r.category,
    quantityMilli: Math.abs(r.quantityMilli),
    unitPrice: null,
    discount: 0,
    amount: r.amountMinor === null ? null : Math.abs(r.amountMinor),
    void: false,
  };
}

const isReturned = (r: LinesCsvRow) => r.quantityMilli < 0 || (r.amountMinor !== null && r.amountMinor < 0);

function toTransactions(rows: LinesCsvRow[], opts: CsvTransactionsOptions, onReject: (line: number, reason: string) => void): TransactionInput[] {
  const first = rows[0]!;
  const member = first.customerId === null ? null : normalizeOpaqueId(first.customerId);
  if (first.customerId !== null && member === null) {
    onReject(first.lineNo, `customer_id is not a valid member id: "${first.customerId}"`);
    return [];
  }
  const base = {
    storeId: opts.storeId,
    terminalId: opts.terminalId ?? 'IMPORT',
    occurredAt: first.occurredAt,
    utcOffsetMin: first.utcOffsetMin,
    customer: member === null ? [] : [{ kind: 'member' as const, value: member }],
    tenders: [],
    change: 0,
    coupons: [],
    pointsRedeemed: 0,
    original: null,
    source: 'import' as const,
  };
  const sold = rows.filter((r) => !isReturned(r));
  const returned = rows.filter(isReturned);
  const out: TransactionInput[] = [];
  if (sold.length > 0) out.push({ ...base, receiptNo: first.transactionId, kind: 'sale', lines: sold.map(toLine) });
  if (returned.length > 0) {
    out.push({ ...base, receiptNo: sold.length > 0 ? `${first.transactionId}#R` : first.transactionId, kind: 'return', lines: returned.map(toLine) });
  }
  return out;
}

/** Batches of transactions from a lines CSV, with the same rejection and strict rules as the rows. */
export async function* readCsvTransactions(path: string, opts: CsvTransactionsOptions): AsyncGenerator<TransactionInput[]> {
  const reject = (line: number, reason: string) => opts.onReject?.({ line, reason });
  // Open baskets by (transaction_id, customer_id), in the order their first line came (Map order).
  const open = new Map<string, { rows: LinesCsvRow[]; lastRow: number }>();
  let rowNo = 0;
  const close = (key: string, out: TransactionInput[]) => {
    out.push(...toTransactions(open.get(key)!.rows, opts, reject));
    open.delete(key);
  };
  for await (const rows of readLinesCsv(path, opts)) {
    const batch: TransactionInput[] = [];
    for (const r of rows) {
      rowNo += 1;
      const key = `${r.transactionId}\u0000${r.customerId ?? ''}`;
      const basket = open.get(key);
      if (basket) {
        basket.rows.push(r);
        basket.lastRow = rowNo;
      } else open.set(key, { rows: [r], lastRow: rowNo });
    }
    for (const [key, b] of open) if (rowNo - b.lastRow >= OPEN_ROWS) close(key, batch);
    if (batch.length > 0) yield batch;
  }
  const rest: TransactionInput[] = [];
  for (const key of [...open.keys()]) close(key, rest);
  if (rest.length > 0) yield rest;
}
