import { normalizeOpaqueId } from '../../identity/normalize-identifier.ts';
import type { LineInput, TransactionInput } from '../../kernel/transaction-input.ts';
import { type LinesCsvRow, readLinesCsv, type ReadLinesCsvOptions } from './read-lines-csv.ts';

/*
 * Lines CSV → transactions. Consecutive rows with the same transaction_id are one transaction (the
 * datasets write a basket's lines together; a transaction_id that comes back later is a second receipt
 * with the same number, which the ingest rules then refuse as a conflict). The customer is identified by
 * `customer_id` as a member id. Lines with a negative quantity or amount are returned goods: a basket of
 * only those is a return; a mixed basket is split into its sale and a return (receipt `<id>#R`), since a
 * transaction has one direction. Amounts in the file are line totals; unit prices are unknown.
 */

export interface CsvTransactionsOptions extends ReadLinesCsvOptions {
  storeId: string;
  terminalId?: string;
}

function toLine(r: LinesCsvRow): LineInput {
  return {
    sku: r.sku,
    name: null,
    category: null,
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
  const member = normalizeOpaqueId(first.customerId);
  if (member === null) {
    onReject(first.lineNo, `customer_id is not a valid member id: "${first.customerId}"`);
    return [];
  }
  const base = {
    storeId: opts.storeId,
    terminalId: opts.terminalId ?? 'IMPORT',
    occurredAt: first.occurredAt,
    utcOffsetMin: first.utcOffsetMin,
    customer: [{ kind: 'member' as const, value: member }],
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
  let group: LinesCsvRow[] = [];
  for await (const rows of readLinesCsv(path, opts)) {
    const batch: TransactionInput[] = [];
    for (const r of rows) {
      if (group.length > 0 && (r.transactionId !== group[0]!.transactionId || r.customerId !== group[0]!.customerId)) {
        batch.push(...toTransactions(group, opts, reject));
        group = [];
      }
      group.push(r);
    }
    if (batch.length > 0) yield batch;
  }
  if (group.length > 0) yield toTransactions(group, opts, reject);
}
