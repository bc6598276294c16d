import type { IdentifierKind, TransactionKind } from '../contract/enums.ts';
import { DAY_MS } from './clock.ts';

/**
 * A transaction as every source (JSON API, CSV import, POSLog) hands it to the ingest service:
 * already normalized to minor units, thousandths and epoch milliseconds. Signs follow `kind`:
 * quantities and amounts here are magnitudes (>= 0); the ingest service stores returns negative.
 */
export interface IdentifierRef {
  kind: IdentifierKind;
  /** Normalized value (see identity/normalize-identifier.ts). */
  value: string;
}

export interface LineInput {
  sku: string | null;
  name: string | null;
  category: string | null;
  quantityMilli: number;
  /** Minor units; null when the source has only the line amount (history imports). */
  unitPrice: number | null;
  discount: number;
  /** Minor units; null when unknown (some history datasets carry items without prices). */
  amount: number | null;
  void: boolean;
}

export interface TransactionInput {
  storeId: string;
  terminalId: string;
  receiptNo: string;
  kind: TransactionKind;
  occurredAt: number;
  utcOffsetMin: number;
  customer: IdentifierRef[];
  /** Optional profile facts a source knows about the customer (POSLog birthday). */
  customerProfile?: { birthday?: string; name?: string };
  lines: LineInput[];
  tenders: Array<{ type: string; amount: number }>;
  change: number;
  coupons: string[];
  pointsRedeemed: number;
  original: { storeId: string; terminalId: string; receiptNo: string } | null;
  /** The transaction's tax when the source states it; absent or null: unknown. */
  tax?: TaxInput | null;
  source: 'api' | 'import' | 'poslog' | 'seed';
}

export interface TaxInput {
  /** Minor units, a magnitude like the amounts. */
  amount: number;
  /** true: the line amounts already contain it (VAT); false: it was charged on top of them (sales tax). */
  included: boolean;
}

/** POS clocks drift; a transaction stamped more than this ahead of the store's clock is a wrong clock, not a sale. */
export const MAX_FUTURE_MS = DAY_MS;

/** Sum of the amounts (minor units, magnitudes) of the lines not voided; a line of unknown amount adds 0. */
export function nonVoidTotal(lines: ReadonlyArray<Pick<LineInput, 'void' | 'amount'>>): number {
  let total = 0;
  for (const l of lines) if (!l.void) total += l.amount ?? 0;
  return total;
}
