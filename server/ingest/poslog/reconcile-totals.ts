import type { DiscountOption, ItemLine } from './poslog-lines.ts';
import type { PosLogPayments } from './poslog-payments.ts';
import { nonVoidTotal } from '../../kernel/transaction-input.ts';

/*
 * Does the transaction add up? Lines, transaction discounts, tax, the POS's grand total and its tenders,
 * all signed (sales +, returns −, minor units). Decides which reading of the discounts is the right one —
 * the likeliest that makes the grand total, or none when the grand total shows they are already inside the
 * line amounts — and refuses a transaction that no reading explains.
 */

export type Reconciled = { ok: true; discount: DiscountOption | null; discountOn: 'sale' | 'return' } | { ok: false; reason: string };

/** The non-void total of the lines going one way, minor units (a magnitude). */
export function directionTotal(items: ItemLine[], direction: 'sale' | 'return'): number {
  return nonVoidTotal(items.filter((i) => i.direction === direction).map((i) => i.input));
}

export function reconcileTotals(active: ItemLine[], options: DiscountOption[], pay: PosLogPayments, minorDigits: number): Reconciled {
  const lines = directionTotal(active, 'sale') - directionTotal(active, 'return');
  const discountOn = active.some((i) => i.direction === 'sale') ? 'sale' : 'return';
  const afterDiscount = (d: number) => (discountOn === 'sale' ? lines - d : lines + d);
  // Each line was rounded to minor units once; allow half a unit per line and one for the total.
  const tolerance = Math.max(1, Math.ceil((active.length + 1) / 2));
  const tax = pay.tax ?? 0;
  // Tax may be inside the line amounts (VAT) or added on top (US sales tax), and its sign may or may not
  // follow the direction of the transaction.
  const agrees = (target: number, net: number) =>
    [net, net + tax, net + Math.sign(net) * Math.abs(tax)].some((candidate) => Math.abs(target - candidate) <= tolerance);
  const money = (v: number) => (v / 10 ** minorDigits).toFixed(minorDigits);

  let discount: DiscountOption | null = options[0] && options[0].total > 0 ? options[0] : null;
  if (pay.grandTotal !== null) {
    const grand = pay.grandTotal;
    const fit = options.find((o) => agrees(grand, afterDiscount(o.total)));
    if (fit) discount = fit.total > 0 ? fit : null;
    else if (agrees(grand, lines)) discount = null;
    else {
      const d = options[0]?.total ?? 0;
      return { ok: false, reason: `grand total ${money(grand)} does not match the lines ${money(lines)}${d > 0 ? ` less discounts ${money(d)}` : ''}${tax !== 0 ? ` (tax ${money(tax)})` : ''}` };
    }
  }
  const net = afterDiscount(discount?.total ?? 0);
  if (pay.tenders.length > 0) {
    const paid = pay.tenders.reduce((s, t) => s + t.signed, 0) - pay.change;
    const target = pay.grandTotal ?? net;
    const ok = Math.abs(paid - target) <= tolerance + pay.rounding || (pay.grandTotal === null && agrees(paid, net));
    if (!ok) return { ok: false, reason: `tenders − change = ${money(paid)}, but the transaction totals ${money(target)}` };
  }
  return { ok: true, discount, discountOn };
}
