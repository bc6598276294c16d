import { AppError } from '../kernel/errors.ts';
import { normalizeIdentifiers } from '../identity/normalize-identifier.ts';
import { type LineInput, MAX_FUTURE_MS, nonVoidTotal, type TransactionInput } from '../kernel/transaction-input.ts';
import { MAX_AMOUNT, type TransactionParsed } from '../contract/transaction.ts';

export interface NormalizeContext {
  storeId: string;
  minorDigits: number;
  phoneRegion: string;
  now: number;
  /** Live posts only: an occurred_at before this (epoch ms) is refused (the store's opening; history imports have none). */
  earliestAt?: number;
}

type Issue = { path: string; message: string };


/**
 * Wire JSON (already shape-checked by zod) → TransactionInput in minor units, with the checks zod
 * cannot express: money precision, line arithmetic, tender totals, store, time. Throws one 422 that
 * lists every problem found.
 */
export function normalizeTransaction(w: TransactionParsed, ctx: NormalizeContext): TransactionInput {
  const issues: Issue[] = [];
  const scale = 10 ** ctx.minorDigits;
  const minor = (value: number, path: string): number => {
    const scaled = value * scale;
    const rounded = Math.round(scaled);
    if (Math.abs(scaled - rounded) > 1e-6 * Math.max(1, Math.abs(scaled))) {
      issues.push({ path, message: `more than ${ctx.minorDigits} decimals` });
    }
    return rounded;
  };

  if (w.store_id !== ctx.storeId) {
    throw new AppError(422, 'wrong_store', `this appliance is store ${ctx.storeId}, not ${w.store_id}`, [
      { path: 'store_id', message: `expected ${ctx.storeId}` },
    ]);
  }

  const occurredAt = Date.parse(w.occurred_at);
  if (occurredAt > ctx.now + MAX_FUTURE_MS) issues.push({ path: 'occurred_at', message: 'more than a day in the future' });
  if (ctx.earliestAt !== undefined && occurredAt < ctx.earliestAt) {
    issues.push({ path: 'occurred_at', message: `before ${new Date(ctx.earliestAt).toISOString().slice(0, 10)}, when this store's records begin (STORE_OPENED_ON); import older history with \`cli import\`` });
  }

  const lines: LineInput[] = w.lines.map((l, i) => {
    // Quantities are kept in thousandths: a finer one would be rounded, 0.0004 even to nothing.
    const quantityMilli = Math.round(l.quantity * 1000);
    if (Math.abs(l.quantity * 1000 - quantityMilli) > 1e-6 * Math.max(1, quantityMilli)) {
      issues.push({ path: `lines.${i}.quantity`, message: 'more than 3 decimals' });
    }
    const unitPrice = minor(l.unit_price, `lines.${i}.unit_price`);
    const discount = minor(l.discount, `lines.${i}.discount`);
    const amount = minor(l.amount, `lines.${i}.amount`);
    // The POS rounds each line once; allow one minor unit for that.
    const expected = l.quantity * unitPrice - discount;
    if (Math.abs(amount - expected) > 1 + 1e-9) {
      issues.push({
        path: `lines.${i}.amount`,
        message: `quantity × unit_price − discount = ${(expected / scale).toFixed(ctx.minorDigits)}, not ${l.amount}`,
      });
    }
    return {
      sku: l.sku ?? null,
      name: l.name ?? null,
      category: l.category ?? null,
      quantityMilli,
      unitPrice,
      discount,
      amount,
      void: l.void,
    };
  });

  const total = nonVoidTotal(lines);
  if (total > MAX_AMOUNT * scale) issues.push({ path: 'lines', message: `the total is more than ${MAX_AMOUNT}` });
  const tax = w.tax ? { amount: minor(w.tax.amount, 'tax.amount'), included: w.tax.included } : null;
  if (tax && tax.amount > total) {
    issues.push({ path: 'tax.amount', message: `more than the transaction's total ${(total / scale).toFixed(ctx.minorDigits)}` });
  }
  // Tax charged on top is paid on top of the lines; included tax is already in them.
  const due = total + (tax && !tax.included ? tax.amount : 0);
  const tenders = w.tenders.map((t, i) => ({ type: t.type, amount: minor(t.amount, `tenders.${i}.amount`) }));
  const change = minor(w.change, 'change');
  if (tenders.length > 0) {
    const paid = tenders.reduce((s, t) => s + t.amount, 0) - change;
    if (Math.abs(paid - due) > 1) {
      const owed = due === total ? 'lines total' : 'lines total + tax';
      issues.push({ path: 'tenders', message: `tenders − change = ${(paid / scale).toFixed(ctx.minorDigits)}, ${owed} ${(due / scale).toFixed(ctx.minorDigits)}` });
    }
  } else if (change > 0) {
    issues.push({ path: 'change', message: 'change without tenders' });
  }

  let customer: TransactionInput['customer'] = [];
  if (w.customer) {
    const { refs, errors } = normalizeIdentifiers(w.customer, ctx.phoneRegion);
    for (const e of errors) issues.push({ path: `customer.${e.field}`, message: e.message });
    customer = refs;
  }
  if (w.points_redeemed > 0 && w.kind === 'return') issues.push({ path: 'points_redeemed', message: 'a return cannot redeem points' });
  if (w.points_redeemed > 0 && !w.customer) issues.push({ path: 'points_redeemed', message: 'redeeming points needs a customer' });

  if (issues.length > 0) throw new AppError(422, 'validation_failed', 'the transaction is not valid', issues);

  return {
    storeId: w.store_id,
    terminalId: w.terminal_id,
    receiptNo: w.receipt_no,
    kind: w.kind,
    occurredAt,
    utcOffsetMin: utcOffsetMinutes(w.occurred_at),
    customer,
    lines,
    tenders,
    change,
    coupons: w.coupons,
    pointsRedeemed: w.points_redeemed,
    original: w.original
      ? { storeId: w.original.store_id ?? w.store_id, terminalId: w.original.terminal_id, receiptNo: w.original.receipt_no }
      : null,
    tax,
    source: 'api',
  };
}

/** "+08:00" → 480, "Z" → 0. The timestamp was already validated as ISO 8601 with an offset. */
export function utcOffsetMinutes(iso: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}
