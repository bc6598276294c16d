import type { LineInput } from '../../kernel/transaction-input.ts';
import { itemTaxOf, type TaxReading } from './poslog-tax.ts';
import { toMilli, toMinor } from './poslog-values.ts';
import { attr, child, childrenNamed, childText, flag, isTrue, path, textOf, type XmlNode } from './xml-node.ts';

/*
 * Item lines and the discounts around them. Amounts come out as magnitudes in minor units with a
 * direction, as TransactionInput wants them. POSLog writes a returned item either as a <Return> element
 * or as a <Sale> with a negative quantity / amount, or marks it by ItemType or the vendor's SalesMode
 * (Futura/Roqqio: RETOUR). A line's own discounts are its RetailPriceModifiers (or, without those, its
 * ExtendedDiscountAmount, which every dialect seen uses as the discount, not as the net amount).
 */

export type Direction = 'sale' | 'return';

export interface LinkRef {
  storeId: string | null;
  terminalId: string | null;
  receiptNo: string;
  /** ReasonCode of the link (Return, Resume, …), when given. */
  reason: string | null;
}

export interface ItemLine {
  input: LineInput;
  direction: Direction;
  /** ExtendedAmount as written (minor units, signed): NCR's void records mirror the line they cancel. */
  signedGross: number;
  /** NCR acs:OperatorSequence: what loyalty rewards point at with OperatorSequenceReference. */
  operatorSequence: string | null;
  /** TransactionLink of the line itself (POSLog V6 returns carry their original here). */
  link: LinkRef | null;
  /** Item-level tax (a <Tax> or <TaxAmount> inside the item element), null when the item has none. */
  tax: TaxReading | null;
  xmlLine: number;
}

/** A transaction-level discount, optionally aimed at one line (by its operator sequence). */
export interface DiscountPart {
  amount: number;
  ref: string | null;
}

export interface DiscountOption {
  total: number;
  parts: DiscountPart[];
}

export class LineError extends Error {}

const ITEM_ELEMENTS = ['Sale', 'Return', 'SaleForDelivery', 'SaleForPickup'];
const RETURNISH = /^(return|retour|refund)/i;

const voidLines = new WeakMap<XmlNode, boolean>();
/** Asked for every line item by every reader (items, tenders, discounts, customer): worked out once. */
export function isVoidLine(lineItem: XmlNode): boolean {
  let v = voidLines.get(lineItem);
  if (v === undefined) {
    v = flag(lineItem, 'VoidFlag') || flag(lineItem, 'Void') || flag(lineItem, 'CancelFlag');
    voidLines.set(lineItem, v);
  }
  return v;
}

/** The item element of a LineItem (Sale, Return, …), null for tenders, taxes, loyalty and the rest. */
export const itemElementOf = (lineItem: XmlNode): XmlNode | null => child(lineItem, ...ITEM_ELEMENTS);

export function itemLineOf(lineItem: XmlNode, item: XmlNode, minorDigits: number): ItemLine {
  const money = (node: XmlNode | null, what: string): number | null => {
    const text = textOf(node);
    if (text === null) return null;
    const v = toMinor(text, minorDigits);
    if (v === null) throw new LineError(`line ${item.line}: ${what} is not a number: "${text}"`);
    return v;
  };

  const quantityNode = child(item, 'Quantity');
  // Weighed items: <Quantity Units="0.42" UnitOfMeasureCode="KGM">1</Quantity> counts one item of 0.42 kg.
  const units = attr(quantityNode, 'Units');
  const quantityText = units !== null && Number(units) !== 0 && toMilli(units) !== null ? units : textOf(quantityNode);
  const quantityMilli = quantityText === null ? 1000 : toMilli(quantityText);
  if (quantityMilli === null) throw new LineError(`line ${item.line}: Quantity is not a number: "${quantityText}"`);
  const unitPrice = money(child(item, 'ActualSalesUnitPrice'), 'ActualSalesUnitPrice') ?? money(child(item, 'RegularSalesUnitPrice'), 'RegularSalesUnitPrice') ?? money(child(item, 'UnitPrice'), 'UnitPrice');
  const extended = money(child(item, 'ExtendedAmount'), 'ExtendedAmount');
  const gross = extended ?? (unitPrice === null ? null : Math.round((Math.abs(unitPrice) * Math.abs(quantityMilli)) / 1000));
  if (gross === null) throw new LineError(`line ${item.line}: the item has neither ExtendedAmount nor a unit price`);

  const modifiers = childrenNamed(item, 'RetailPriceModifier', 'PriceModifier').filter((m) => !flag(m, 'VoidFlag'));
  let discount = 0;
  if (modifiers.length > 0) {
    for (const m of modifiers) {
      const amountNode = child(m, 'Amount');
      const v = Math.abs(money(amountNode, 'RetailPriceModifier/Amount') ?? 0);
      discount += /^add/i.test(attr(amountNode, 'Action') ?? '') ? -v : v;
    }
  } else {
    discount = Math.abs(money(child(item, 'ExtendedDiscountAmount'), 'ExtendedDiscountAmount') ?? money(child(item, 'DiscountAmount'), 'DiscountAmount') ?? 0);
  }
  const magnitude = Math.abs(gross);
  if (discount > magnitude) throw new LineError(`line ${item.line}: discount ${discount} is more than the line amount ${magnitude} (minor units)`);

  const salesMode = childText(item, 'SalesMode') ?? '';
  const negative = quantityMilli < 0 || gross < 0;
  const returned = item.name === 'return' || negative || RETURNISH.test(attr(item, 'ItemType') ?? '') || RETURNISH.test(salesMode);

  const sku = childText(item, 'ItemID') ?? textOf(path(item, 'POSIdentity', 'POSItemID'));
  const name = childText(item, 'Description', 'ItemDescription') ?? attr(child(item, 'ItemID'), 'Name');
  const category = childText(item, 'MerchandiseHierarchy', 'ProductGroup');
  return {
    input: {
      sku: sku?.slice(0, 64) ?? null,
      name: name?.slice(0, 200) ?? null,
      category: category?.slice(0, 100) ?? null,
      quantityMilli: Math.abs(quantityMilli),
      unitPrice: unitPrice === null ? null : Math.abs(unitPrice),
      discount,
      amount: magnitude - discount,
      void: isVoidLine(lineItem) || flag(item, 'VoidFlag'),
    },
    direction: returned ? 'return' : 'sale',
    signedGross: negative ? -magnitude : magnitude,
    operatorSequence: childText(item, 'OperatorSequence'),
    link: linkOf(child(item, 'TransactionLink') ?? child(lineItem, 'TransactionLink')),
    tax: itemTaxOf(item, minorDigits),
    xmlLine: item.line,
  };
}

/** A TransactionLink: the earlier transaction by store, workstation and sequence number (or transaction id). */
export function linkOf(link: XmlNode | null): LinkRef | null {
  if (!link) return null;
  const receiptNo = childText(link, 'SequenceNumber', 'TransactionID', 'ReceiptNumber');
  if (receiptNo === null) return null;
  return {
    storeId: childText(link, 'RetailStoreID', 'StoreID') ?? textOf(path(link, 'BusinessUnit', 'UnitID')) ?? childText(link, 'BusinessUnit'),
    terminalId: childText(link, 'WorkstationID', 'TerminalID'),
    receiptNo,
    reason: attr(link, 'ReasonCode') ?? childText(link, 'ReasonCode'),
  };
}

export const isReturnLink = (link: LinkRef) => link.reason === null || RETURNISH.test(link.reason);

/**
 * Discounts on the whole transaction, in minor units: <Discount> line items and monetary loyalty rewards,
 * as the candidate readings the mapper checks against the grand total, the likeliest first.
 *
 * NCR ACS writes a reward as detailed records (acs:detailedData, one per item it applied to) and, for some
 * promotions, again as a summary record (acs:summarizedActivity only) with the same PromotionID and
 * EventID; a record with both flags is both. So per (PromotionID, EventID) the detailed records count, or
 * the summary when there are none. The other readings (summary first, every record) are there for
 * dialects that use the flags differently. Rewards of other categories (custom offers, receipt messages,
 * points) are not money.
 */
export function transactionDiscountOptions(lineItems: XmlNode[], minorDigits: number): DiscountOption[] {
  const plain: DiscountPart[] = [];
  const groups = new Map<string, { detailed: DiscountPart[]; summary: DiscountPart[] }>();
  for (const li of lineItems) {
    if (isVoidLine(li)) continue;
    for (const d of childrenNamed(li, 'Discount')) {
      const amount = Math.abs(toMinor(childText(d, 'Amount') ?? textOf(d), minorDigits) ?? 0);
      if (amount > 0) plain.push({ amount, ref: null });
    }
    for (const r of childrenNamed(li, 'LoyaltyReward')) {
      const category = childText(r, 'RewardCategory');
      const signed = toMinor(childText(r, 'ExtendedRewardAmount', 'RewardAmount', 'Amount'), minorDigits) ?? 0;
      const monetary = category === null ? signed < 0 : /^monetary$/i.test(category);
      if (!monetary || signed === 0) continue;
      const reference = childText(r, 'OperatorSequenceReference');
      const part = { amount: Math.abs(signed), ref: reference === null || reference === '0' ? null : reference };
      const detailed = isTrue(attr(r, 'detailedData'));
      const summarized = isTrue(attr(r, 'summarizedActivity'));
      const promotion = childText(r, 'PromotionID');
      if ((!detailed && !summarized) || promotion === null) {
        plain.push(part);
        continue;
      }
      const key = `${promotion}/${childText(r, 'EventID') ?? ''}`;
      const group = groups.get(key) ?? { detailed: [], summary: [] };
      (detailed ? group.detailed : group.summary).push(part);
      groups.set(key, group);
    }
  }
  const option = (pick: (g: { detailed: DiscountPart[]; summary: DiscountPart[] }) => DiscountPart[]): DiscountOption => {
    const parts = [...plain, ...[...groups.values()].flatMap(pick)];
    return { total: parts.reduce((s, p) => s + p.amount, 0), parts };
  };
  const options = [
    option((g) => (g.detailed.length > 0 ? g.detailed : g.summary)),
    option((g) => (g.summary.length > 0 ? g.summary : g.detailed)),
    option((g) => [...g.detailed, ...g.summary]),
  ];
  return options.filter((o, i) => options.findIndex((p) => p.total === o.total) === i);
}

/** Coupon codes the POS recorded (coupon line items and coupon tenders). */
export function couponsOf(lineItems: XmlNode[]): string[] {
  const codes: string[] = [];
  for (const li of lineItems) {
    if (isVoidLine(li)) continue;
    for (const c of [...childrenNamed(li, 'Coupon'), ...childrenNamed(child(li, 'Tender'), 'Coupon')]) {
      const code = childText(c, 'ScanCode', 'CouponID', 'SerialNumber');
      if (code !== null && codes.length < 50) codes.push(code.slice(0, 64));
    }
  }
  return codes;
}
