import type { TaxInput } from '../../kernel/transaction-input.ts';
import { toMinor } from './poslog-values.ts';
import { attr, childrenNamed, childText, flag, textOf, type XmlNode } from './xml-node.ts';

/*
 * A transaction's tax as the POSLog writes it, in minor units. Three places, the first one present wins (a POS that
 * writes several writes the same tax again, as a summary):
 * 1. <Tax> line items (ARTS TaxLineItem: the receipt's tax lines);
 * 2. <Tax> (or <TaxAmount>) inside the live item elements: item-level tax;
 * 3. <Total TotalType="TransactionTaxAmount">.
 * Whether the line amounts include it is said by the document when it says so (TaxIncludedInPriceFlag, on the
 * item or the tax; TaxType VAT or GST, which are priced in) — but the totals decide (reconcile-totals.ts): a
 * grand total or tenders equal to the lines is tax included, equal to lines + tax is tax on top.
 */

export interface TaxReading {
  /** Signed as written (returns are often negative). */
  signed: number;
  /** What the document's flags say: true included in the prices, false on top, null when silent or contradicting. */
  includedFlag: boolean | null;
}

const PRICED_IN = /^(vat|gst)$/i;

/** true / false from the flags seen, null when none was seen or they disagree. */
function agreed(flags: ReadonlyArray<boolean | null>): boolean | null {
  const seen = new Set(flags.filter((f): f is boolean => f !== null));
  return seen.size === 1 ? [...seen][0]! : null;
}

function includedFlagOf(node: XmlNode): boolean | null {
  const text = attr(node, 'TaxIncludedInPriceFlag') ?? childText(node, 'TaxIncludedInPriceFlag');
  if (text !== null) return flag(node, 'TaxIncludedInPriceFlag');
  const type = attr(node, 'TaxType') ?? childText(node, 'TaxType');
  return type !== null && PRICED_IN.test(type.trim()) ? true : null;
}

function taxElementsOf(node: XmlNode, minorDigits: number): TaxReading | null {
  const taxes = childrenNamed(node, 'Tax').filter((t) => !flag(t, 'VoidFlag'));
  const amounts = childrenNamed(node, 'TaxAmount');
  if (taxes.length === 0 && amounts.length === 0) return null;
  let signed = 0;
  for (const t of taxes) {
    const v = toMinor(childText(t, 'Amount') ?? textOf(t), minorDigits) ?? 0;
    // ARTS marks a refunded tax with NegativeValue="true" rather than a sign.
    signed += flag(t, 'NegativeValue') ? -Math.abs(v) : v;
  }
  for (const a of amounts) signed += toMinor(textOf(a), minorDigits) ?? 0;
  return { signed, includedFlag: agreed(taxes.map(includedFlagOf)) };
}

/** Item-level tax of one item element (Sale, Return…), with the item's own TaxIncludedInPriceFlag. */
export function itemTaxOf(item: XmlNode, minorDigits: number): TaxReading | null {
  const tax = taxElementsOf(item, minorDigits);
  if (!tax) return null;
  return { signed: tax.signed, includedFlag: agreed([includedFlagOf(item), tax.includedFlag]) };
}

/**
 * The transaction's tax (null: the POSLog does not say), from its live (not voided) line items and the item-level
 * taxes of its live item lines.
 */
export function transactionTaxOf(retail: XmlNode, liveLineItems: XmlNode[], itemTaxes: TaxReading[], minorDigits: number): TaxReading | null {
  const taxLines = liveLineItems.flatMap((li) => {
    const tax = taxElementsOf(li, minorDigits);
    return tax ? [tax] : [];
  });
  const flags = agreed([...taxLines, ...itemTaxes].map((t) => t.includedFlag));
  const sum = (readings: TaxReading[]) => readings.reduce((s, t) => s + t.signed, 0);
  if (taxLines.length > 0) return { signed: sum(taxLines), includedFlag: flags };
  if (itemTaxes.length > 0) return { signed: sum(itemTaxes), includedFlag: flags };
  const total = childrenNamed(retail, 'Total').find((t) => (attr(t, 'TotalType') ?? '').toLowerCase() === 'transactiontaxamount');
  const signed = total ? toMinor(textOf(total), minorDigits) : null;
  return signed === null ? null : { signed, includedFlag: flags };
}

/**
 * The tax to record for a transaction whose lines (after discounts) come to `linesTotal` (minor units, a magnitude):
 * its magnitude, included or on top as the totals show (else as the flags say; a zero tax is trivially included).
 * Unknown (null) when nothing tells, or when the "tax" is more than the lines (then it is not this transaction's tax).
 */
export function recordedTax(reading: TaxReading | null, shownByTotals: boolean | null, linesTotal: number): TaxInput | null {
  if (!reading) return null;
  const amount = Math.abs(reading.signed);
  if (amount > linesTotal) return null;
  const included = shownByTotals ?? reading.includedFlag ?? (amount === 0 ? true : null);
  return included === null ? null : { amount, included };
}
