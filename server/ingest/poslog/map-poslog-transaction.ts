import { MAX_FUTURE_MS, nonVoidTotal, type TransactionInput } from '../../kernel/transaction-input.ts';
import { MAX_AMOUNT } from '../../contract/transaction.ts';
import { customerOf } from './poslog-customer.ts';
import { allocateDiscount, withoutVoidRecords } from './allocate-lines.ts';
import { couponsOf, isReturnLink, isVoidLine, type ItemLine, itemElementOf, itemLineOf, LineError, type LinkRef, linkOf, transactionDiscountOptions } from './poslog-lines.ts';
import { paymentsOf, type PosLogTender } from './poslog-payments.ts';
import { recordedTax, transactionTaxOf } from './poslog-tax.ts';
import { parsePosLogTime } from './poslog-values.ts';
import { directionTotal, reconcileTotals } from './reconcile-totals.ts';
import { attr, child, childrenNamed, childText, flag, path, textOf, type XmlNode } from './xml-node.ts';

/*
 * One POSLog <Transaction> tree → what the ingest service takes. Pure: no I/O, no clock but `now`.
 *
 * - Only RetailTransactions are sales or returns; control, tender-control and the other kinds are ignored.
 * - Cancelled, voided, suspended and training transactions are skipped (the POS says they did not happen).
 * - Receipt number = SequenceNumber (else TransactionID, else ReceiptNumber); a TransactionLink names its
 *   original the same way, so a return resolves to the sale imported before it.
 * - A transaction of returns only is a return; one with both is split like the CSV source: the sale under
 *   its receipt number and the returned lines under `<receipt>#R`.
 * - NCR ACS voids a line by a second, negative line with VoidFlag: the voided line is kept as void, the
 *   reversing record dropped. Other dialects flag the voided line itself; it is kept as void.
 * - Discounts on the whole transaction go to the line a reward names, the rest spread over the lines in
 *   proportion to their amounts — unless the POS's grand total shows they are already inside the line
 *   amounts (some dialects report them twice).
 * - The POS's grand total and its tenders must agree with the lines (tax added on top is allowed); a
 *   transaction that does not add up is rejected, not guessed at.
 * - Its tax is recorded (poslog-tax.ts), included or on top as the totals show. A transaction split into a sale and
 *   a return has one tax for both: it is recorded only when it is zero, otherwise unknown on both.
 */

export interface PosLogContext {
  storeId: string;
  minorDigits: number;
  timeZone: string;
  phoneRegion: string;
  now: number;
  /** Live posts only: a transaction dated before this (epoch ms) is rejected (the store's opening). */
  earliestAt?: number;
}

export type PosLogOutcome =
  | { type: 'ignored'; line: number; reason: string }
  | { type: 'skipped'; line: number; receiptNo: string | null; reason: string }
  | { type: 'rejected'; line: number; receiptNo: string | null; code: 'validation_failed' | 'wrong_store'; reason: string }
  | { type: 'ok'; line: number; receiptNo: string; inputs: TransactionInput[] };

const NOT_HAPPENED = /cancel|void|suspend|training/i;


export function mapPosLogTransaction(tx: XmlNode, ctx: PosLogContext): PosLogOutcome {
  const line = tx.line;
  const retail = child(tx, 'RetailTransaction');
  if (!retail) {
    const kind = tx.children.find((c) => c.name.endsWith('transaction'))?.name ?? 'no RetailTransaction';
    return { type: 'ignored', line, reason: `not a retail transaction (${kind})` };
  }
  const receiptNo = childText(tx, 'SequenceNumber', 'TransactionID', 'ReceiptNumber') ?? childText(retail, 'ReceiptNumber');
  const reject = (reason: string, code: 'validation_failed' | 'wrong_store' = 'validation_failed'): PosLogOutcome => ({
    type: 'rejected',
    line,
    receiptNo,
    code,
    reason: `${receiptNo === null ? 'transaction' : `receipt ${receiptNo}`}: ${reason}`,
  });

  const status = attr(retail, 'TransactionStatus') ?? childText(retail, 'TransactionStatus') ?? '';
  for (const [node, name] of [[tx, 'CancelFlag'], [tx, 'VoidFlag'], [tx, 'TrainingModeFlag'], [retail, 'CancelFlag'], [retail, 'VoidFlag'], [retail, 'TrainingModeFlag'], [retail, 'SuspendFlag']] as const) {
    if (flag(node, name)) return { type: 'skipped', line, receiptNo, reason: `${name} is set` };
  }
  if (NOT_HAPPENED.test(status)) return { type: 'skipped', line, receiptNo, reason: `TransactionStatus ${status}` };

  if (receiptNo === null) return reject('no SequenceNumber, TransactionID or ReceiptNumber');
  const storeId = childText(tx, 'RetailStoreID', 'StoreID') ?? textOf(path(tx, 'BusinessUnit', 'UnitID')) ?? childText(tx, 'BusinessUnit');
  if (storeId !== null && storeId !== ctx.storeId) return reject(`store ${storeId} is not this store (${ctx.storeId})`, 'wrong_store');
  const terminalId = childText(tx, 'WorkstationID', 'TerminalID') ?? 'POSLOG';

  const stamp = childText(tx, 'EndDateTime') ?? childText(retail, 'ReceiptDateTime') ?? childText(tx, 'ReceiptDateTime') ?? childText(tx, 'BeginDateTime') ?? childText(tx, 'BusinessDayDate');
  const time = parsePosLogTime(stamp, ctx.timeZone);
  if (!time) return reject(stamp === null ? 'no EndDateTime or BusinessDayDate' : `not a date-time: "${stamp}"`);
  if (time.at > ctx.now + MAX_FUTURE_MS) return reject(`${stamp} is more than a day in the future`);
  if (ctx.earliestAt !== undefined && time.at < ctx.earliestAt) return reject(`${stamp} is before ${new Date(ctx.earliestAt).toISOString().slice(0, 10)}, when this store's records begin`);

  const lineItems = childrenNamed(retail, 'LineItem');
  let items: ItemLine[];
  try {
    items = lineItems.flatMap((li) => {
      const item = itemElementOf(li);
      return item ? [itemLineOf(li, item, ctx.minorDigits)] : [];
    });
  } catch (error) {
    if (error instanceof LineError) return reject(error.message);
    throw error;
  }
  items = withoutVoidRecords(items);
  if (items.length === 0) return { type: 'skipped', line, receiptNo, reason: 'no item lines' };
  const active = items.filter((i) => !i.input.void);
  if (active.length === 0) return { type: 'skipped', line, receiptNo, reason: 'every item line was voided' };

  const pay = paymentsOf(retail, lineItems, ctx.minorDigits);
  const hasSale = active.some((i) => i.direction === 'sale');
  const hasReturn = active.some((i) => i.direction === 'return');
  // A refund written as a plain tender (no TypeCode Refund, positive amount) still went to the customer.
  if (!hasSale && pay.tenders.every((t) => t.signed >= 0)) for (const t of pay.tenders) t.signed = -t.signed;
  const taxReading = transactionTaxOf(retail, lineItems.filter((li) => !isVoidLine(li)), active.flatMap((i) => (i.tax ? [i.tax] : [])), ctx.minorDigits);
  const totals = reconcileTotals(active, transactionDiscountOptions(lineItems, ctx.minorDigits), pay, taxReading?.signed ?? null, ctx.minorDigits);
  if (!totals.ok) return reject(totals.reason);
  // The same cap as the JSON API (contract/transaction.ts): no receipt earns points on a number like 5e10.
  for (const direction of ['sale', 'return'] as const) {
    if (directionTotal(active, direction) > MAX_AMOUNT * 10 ** ctx.minorDigits) return reject(`the ${direction} total is more than ${MAX_AMOUNT}`);
  }
  if (totals.discount && !allocateDiscount(active.filter((i) => i.direction === totals.discountOn), totals.discount.parts)) {
    const money = (v: number) => (v / 10 ** ctx.minorDigits).toFixed(ctx.minorDigits);
    return reject(`discounts ${money(totals.discount.total)} are more than the ${totals.discountOn === 'sale' ? 'sold' : 'returned'} lines`);
  }

  const containers = [tx, retail, ...lineItems.filter((li) => !isVoidLine(li))];
  const customer = customerOf(containers, ctx.phoneRegion);
  const base = {
    storeId: ctx.storeId,
    terminalId,
    occurredAt: time.at,
    utcOffsetMin: time.utcOffsetMin,
    customer: customer.refs,
    ...(customer.profile ? { customerProfile: customer.profile } : {}),
    coupons: couponsOf(lineItems),
    pointsRedeemed: 0,
    source: 'poslog' as const,
  };

  const txLink = [linkOf(child(retail, 'TransactionLink')), linkOf(child(tx, 'TransactionLink'))].find((l) => l !== null) ?? null;
  const originalOf = (returns: ItemLine[], onlyReturns: boolean): TransactionInput['original'] => {
    const link = returns.map((i) => i.link).find((l): l is LinkRef => l !== null && isReturnLink(l)) ?? (txLink && (txLink.reason !== null ? isReturnLink(txLink) : onlyReturns) ? txLink : null);
    return link ? { storeId: link.storeId ?? ctx.storeId, terminalId: link.terminalId ?? terminalId, receiptNo: link.receiptNo } : null;
  };
  const magnitudes = (tenders: PosLogTender[]) => tenders.map((t) => ({ type: t.type, amount: Math.abs(t.signed) }));

  if (!(hasSale && hasReturn)) {
    const kind = hasSale ? 'sale' : 'return';
    const input: TransactionInput = {
      tax: recordedTax(taxReading, totals.taxIncluded, nonVoidTotal(items.map((i) => i.input))),
      ...base,
      receiptNo,
      kind,
      lines: items.map((i) => i.input),
      tenders: magnitudes(pay.tenders),
      change: pay.change,
      original: kind === 'return' ? originalOf(items.filter((i) => i.direction === 'return'), true) : null,
    };
    return { type: 'ok', line, receiptNo, inputs: [input] };
  }
  const splitTax = taxReading?.signed === 0 ? recordedTax(taxReading, totals.taxIncluded, 0) : null;
  const saleLines = items.filter((i) => i.direction === 'sale');
  const returnLines = items.filter((i) => i.direction === 'return');
  const sale: TransactionInput = {
    ...base,
    receiptNo,
    kind: 'sale',
    tax: splitTax,
    lines: saleLines.map((i) => i.input),
    tenders: magnitudes(pay.tenders.filter((t) => t.signed >= 0)),
    change: pay.change,
    original: null,
  };
  const ret: TransactionInput = {
    ...base,
    receiptNo: `${receiptNo}#R`,
    kind: 'return',
    tax: splitTax,
    lines: returnLines.map((i) => i.input),
    tenders: magnitudes(pay.tenders.filter((t) => t.signed < 0)),
    change: 0,
    original: originalOf(returnLines, false),
  };
  return { type: 'ok', line, receiptNo, inputs: [sale, ret] };
}
