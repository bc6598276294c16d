import type { LineInput } from '../transaction-input.ts';
import { toMilli, toMinor } from './poslog-values.ts';
import { attr, child, childrenNamed, childText, flag, path, textOf, type XmlNode } from './xml-node.ts';

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
  /** TransactionLink of the line itself (POSLog V6 returns carry their original here). */
  link: LinkRef | null;
  xmlLine: number;
}

export class LineError extends Error {}

const ITEM_ELEMENTS = ['Sale', 'Return', 'SaleForDelivery', 'SaleForPickup'];
const RETURNISH = /^(return|retour|refund)/i;

export const isVoidLine = (lineItem: XmlNode): boolean => flag(lineItem, 'VoidFlag') || flag(lineItem, 'Void') || flag(lineItem, 'CancelFlag');

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
  const returned = item.name === 'return' || quantityMilli < 0 || gross < 0 || RETURNISH.test(attr(item, 'ItemType') ?? '') || RETURNISH.test(salesMode);

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
    link: linkOf(child(item, 'TransactionLink') ?? child(lineItem, 'TransactionLink')),
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
 * Discounts on the whole transaction, in minor units: <Discount> line items and monetary loyalty rewards.
 * NCR ACS reports one reward twice — a detailed record (acs:detailedData) and a summary record
 * (acs:summarizedActivity) with the same PromotionID and EventID — so a reward counts once per
 * (PromotionID, EventID). Rewards of other categories (custom offers, messages, points) are not money.
 */
export function transactionDiscountsOf(lineItems: XmlNode[], minorDigits: number): number {
  let total = 0;
  const rewardsSeen = new Set<string>();
  for (const li of lineItems) {
    if (isVoidLine(li)) continue;
    for (const d of childrenNamed(li, 'Discount')) {
      total += Math.abs(toMinor(childText(d, 'Amount') ?? textOf(d), minorDigits) ?? 0);
    }
    for (const r of childrenNamed(li, 'LoyaltyReward')) {
      const category = childText(r, 'RewardCategory');
      const amount = toMinor(childText(r, 'ExtendedRewardAmount', 'RewardAmount', 'Amount'), minorDigits) ?? 0;
      const monetary = category === null ? amount < 0 : /^monetary$/i.test(category);
      if (!monetary || amount === 0) continue;
      const promotion = childText(r, 'PromotionID');
      if (promotion !== null) {
        const key = `${promotion}/${childText(r, 'EventID') ?? ''}`;
        if (rewardsSeen.has(key)) continue;
        rewardsSeen.add(key);
      }
      total += Math.abs(amount);
    }
  }
  return total;
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
