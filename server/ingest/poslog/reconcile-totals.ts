import type { DiscountOption, ItemLine } from './poslog-lines.ts';
import type { PosLogPayments } from './poslog-payments.ts';
import { nonVoidTotal } from '../../kernel/transaction-input.ts';

/*
 * Does the transaction add up? Lines, transaction discounts, tax, the POS's grand total and its tenders,
 * all signed (sales +, returns −, minor units). Decides which reading of the discounts is the right one —
 * the likeliest that makes the grand total, or none when the grand total shows they are already inside the
 * line amounts — and refuses a transaction that no reading explains.
 */

export type Reconciled =
  | {
      ok: true;
      discount: DiscountOption | null;
      discountOn: 'sale' | 'return';
      /** What the totals show of the tax: inside the lines (true), on top of them (false), or nothing telling (null). */
      taxIncluded: boolean | null;
    }
  | { ok: false; reason: string };

type TaxReading = 'included' | 'on_top';

/** true when only "included" fits, false when only "on top" does, null when both (a tax too small to tell) or none. */
function shown(readings: ReadonlySet<TaxReading>): boolean | null {
  if (readings.size !== 1) return null;
  return readings.has('included');
}

/** The non-void total of the lines going one way, minor units (a magnitude). */
export function directionTotal(items: ItemLine[], direction: 'sale' | 'return'): number {
  return nonVoidTotal(items.filter((i) => i.direction === direction).map((i) => i.input));
}

/** `signedTax`: the transaction's tax as written (poslog-tax.ts), null when the POSLog does not say. */
export function reconcileTotals(active: ItemLine[], options: DiscountOption[], pay: PosLogPayments, signedTax: number | null, minorDigits: number): Reconciled {
  const lines = directionTotal(active, 'sale') - directionTotal(active, 'return');
  const discountOn = active.some((i) => i.direction === 'sale') ? 'sale' : 'return';
  const afterDiscount = (d: number) => (discountOn === 'sale' ? lines - d : lines + d);
  // Each line was rounded to minor units once; allow half a unit per line and one for the total.
  const tolerance = Math.max(1, Math.ceil((active.length + 1) / 2));
  const tax = signedTax ?? 0;
  // Tax may be inside the line amounts (VAT) or added on top (US sales tax), and its sign may or may not
  // follow the direction of the transaction. Which readings fit the target: the totals' word on the tax.
  const readings = (target: number, net: number): Set<TaxReading> => {
    const fits = new Set<TaxReading>();
    if (Math.abs(target - net) <= tolerance) fits.add('included');
    if ([net + tax, net + Math.sign(net) * Math.abs(tax)].some((candidate) => Math.abs(target - candidate) <= tolerance)) fits.add('on_top');
    return fits;
  };
  const agrees = (target: number, net: number) => readings(target, net).size > 0;
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
  // The grand total when the POS wrote one, else what was paid, shows whether the tax is in the lines.
  let taxIncluded = pay.grandTotal === null ? null : shown(readings(pay.grandTotal, net));
  if (pay.tenders.length > 0) {
    const paid = pay.tenders.reduce((s, t) => s + t.signed, 0) - pay.change;
    const target = pay.grandTotal ?? net;
    const ok = Math.abs(paid - target) <= tolerance + pay.rounding || (pay.grandTotal === null && agrees(paid, net));
    if (!ok) return { ok: false, reason: `tenders − change = ${money(paid)}, but the transaction totals ${money(target)}` };
    if (pay.grandTotal === null) taxIncluded = shown(readings(paid, net));
  }
  return { ok: true, discount, discountOn, taxIncluded };
}
