import { sha256 } from '../kernel/hash.ts';
import type { TaxInput, TransactionInput } from '../kernel/transaction-input.ts';

/**
 * Identity of a transaction's content for idempotency: the same key with the same hash is a replay,
 * with another hash a conflict. Hashes the normalized input (not the raw JSON), so key order,
 * whitespace and "9" vs "9.00" do not matter. `source` is excluded: an import of what the POS sent
 * live is the same transaction. The tax is left out on purpose (see `taxContradicts`), which also keeps the
 * hashes of receipts stored before tax was recorded valid.
 */
export function contentHash(t: TransactionInput): string {
  const canonical = [
    t.storeId, t.terminalId, t.receiptNo, t.kind, t.occurredAt, t.utcOffsetMin,
    [...t.customer].map((c) => `${c.kind}:${c.value}`).sort(),
    t.lines.map((l) => [l.sku, l.name, l.category, l.quantityMilli, l.unitPrice, l.discount, l.amount, l.void]),
    t.tenders.map((x) => [x.type, x.amount]), t.change, t.coupons, t.pointsRedeemed,
    t.original ? [t.original.storeId, t.original.terminalId, t.original.receiptNo] : null,
  ];
  return sha256(JSON.stringify(canonical), 'base64url');
}

/**
 * The tax part of the replay rule. A tax only contradicts a stored one when both are known and differ (amount or
 * included/on top): a receipt stored without tax (an older till, or stored before tax was recorded) and re-sent
 * with it is the same receipt, a replay that writes nothing, and so is one stored with tax re-sent without it.
 */
export function taxContradicts(stored: { tax: number | null; tax_included: number | null }, incoming: TaxInput | null | undefined): boolean {
  if (stored.tax === null || !incoming) return false;
  return stored.tax !== incoming.amount || stored.tax_included !== (incoming.included ? 1 : 0);
}
