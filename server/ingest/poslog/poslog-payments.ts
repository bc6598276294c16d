import { isVoidLine } from './poslog-lines.ts';
import { toMinor } from './poslog-values.ts';
import { attr, child, childrenNamed, childText, descendants, textOf, type XmlNode } from './xml-node.ts';

/*
 * Money that moved: tenders (signed: a Refund tender pays the customer), change handed back (a
 * <TenderChange>/<Change> line item, nested in the tender it came from, or — NCR ACS — a negative tender
 * holding a TenderChange), cash back, and the POS's own grand total (tax: poslog-tax.ts). All in
 * minor units.
 *
 * Cash back is one sum of money that a POS may write twice: as the card tender's <Cashback> (the card paid
 * the goods plus it) and as a negative cash tender (the drawer handing it out). It is counted once, as
 * change: the larger of what the card tenders say and what the negative tenders of a sale hand out.
 */

export interface PosLogTender {
  type: string;
  /** Signed: negative when money went to the customer (TypeCode Refund or a negative amount). */
  signed: number;
}

export interface PosLogPayments {
  tenders: PosLogTender[];
  change: number;
  /** Cash rounding the POS applied to tenders (Rounding), as a magnitude: widens the tender check. */
  rounding: number;
  /** Signed TransactionGrandAmount, null when the POS wrote none. */
  grandTotal: number | null;
}

const TENDER_TYPES: Record<string, string> = { cash: 'cash', creditdebit: 'card', credit: 'card', debit: 'card', creditcard: 'card', debitcard: 'card' };

const amountOf = (node: XmlNode | null, minorDigits: number): number => {
  if (!node) return 0;
  const amounts = descendants(node, 'Amount');
  if (amounts.length === 0) return Math.abs(toMinor(textOf(node), minorDigits) ?? 0);
  return amounts.reduce((s, a) => s + Math.abs(toMinor(textOf(a), minorDigits) ?? 0), 0);
};

export function paymentsOf(retail: XmlNode, lineItems: XmlNode[], minorDigits: number): PosLogPayments {
  const tenders: PosLogTender[] = [];
  let change = 0;
  let rounding = 0;
  let cashback = 0;
  /** Negative, non-refund tenders without a TenderChange inside: money out of the drawer (cash back, if any). */
  const handedOut: PosLogTender[] = [];
  for (const li of lineItems) {
    if (isVoidLine(li)) continue;
    for (const t of childrenNamed(li, 'Tender')) {
      const raw = toMinor(childText(t, 'Amount'), minorDigits) ?? 0;
      const nestedChange = amountOf(child(t, 'TenderChange', 'Change'), minorDigits);
      rounding += Math.abs(toMinor(childText(t, 'Rounding'), minorDigits) ?? 0);
      // NCR ACS writes the change given as a tender of its own: a negative amount with a TenderChange inside.
      if (raw < 0 && nestedChange > 0) {
        change += Math.abs(raw);
        continue;
      }
      const refund = /^refund/i.test(attr(t, 'TypeCode') ?? '');
      const type = (attr(t, 'TenderType') ?? childText(t, 'TenderType') ?? 'other').replace(/[^A-Za-z0-9]/g, '').toLowerCase();
      const tender = { type: (TENDER_TYPES[type] ?? type) || 'other', signed: refund ? -Math.abs(raw) : raw };
      if (raw < 0 && !refund) handedOut.push(tender);
      else tenders.push(tender);
      change += nestedChange;
      cashback += Math.abs(toMinor(childText(t, 'Cashback', 'CashBack'), minorDigits) ?? 0);
    }
    for (const c of childrenNamed(li, 'TenderChange', 'Change')) change += amountOf(c, minorDigits);
  }
  const out = handedOut.reduce((sum, t) => sum + Math.abs(t.signed), 0);
  if (cashback > 0) change += Math.max(cashback, out);
  // Without cash back declared, a negative tender stays a tender (a refund paid out in a transaction that also sold).
  else tenders.push(...handedOut);
  const total = (type: string): number | null => {
    const node = childrenNamed(retail, 'Total').find((t) => (attr(t, 'TotalType') ?? '').toLowerCase() === type.toLowerCase());
    return node ? toMinor(textOf(node), minorDigits) : null;
  };
  return { tenders, change, rounding, grandTotal: total('TransactionGrandAmount') };
}
