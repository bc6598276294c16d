import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../../kernel/clock.ts';
import type { Basket, CustomerHistory } from '../history.ts';

/*
 * CustomerHistory from the store's facts, the same shape training reads from a lines CSV, so the
 * models see a store's customers exactly as they saw the training data. Voided lines never count;
 * returns are baskets with isReturn and negative amounts; only facts at or before `asOf` are read (but see
 * SKEW_MS).
 */

interface Row {
  customer_id: string;
  tx_id: string;
  kind: 'sale' | 'return';
  occurred_at: number;
  total: number;
  sku: string | null;
  quantity_milli: number | null;
  amount: number | null;
}

const SELECT = `SELECT t.customer_id, t.id AS tx_id, t.kind, t.occurred_at, t.total, l.sku, l.quantity_milli, l.amount
  FROM transactions t LEFT JOIN transaction_lines l ON l.tx_id = t.id AND l.void = 0 AND l.sku IS NOT NULL`;

/** POS clocks may run ahead of the store's (ingest accepts up to a day): such a fact counts as happening now. */
export const SKEW_MS = DAY_MS;

function appendRow(baskets: Basket[], last: { txId: string | null }, r: Row, asOf: number): void {
  if (r.tx_id !== last.txId) {
    baskets.push({ at: Math.min(r.occurred_at, asOf), amountMinor: r.total, items: [], isReturn: r.kind === 'return' });
    last.txId = r.tx_id;
  }
  if (r.sku !== null) baskets[baskets.length - 1]!.items.push({ sku: r.sku, quantityMilli: r.quantity_milli ?? 0, amountMinor: r.amount });
}

export function historyFromDb(sqlite: Database, customerId: string, asOf: number): CustomerHistory {
  const rows = sqlite
    .query<Row, [string, number]>(`${SELECT} WHERE t.customer_id = ? AND t.occurred_at <= ? ORDER BY t.occurred_at, t.id, l.line_no`)
    .all(customerId, asOf + SKEW_MS);
  const baskets: Basket[] = [];
  const last = { txId: null as string | null };
  for (const r of rows) appendRow(baskets, last, r, asOf);
  return { customerId, baskets };
}

/**
 * The last of the next `limit` identified customers after `afterId` in id order, or null when none is left:
 * the end of a keyset page, found from the covering index alone (no history read), so pages can be handed
 * out before the previous one is scored.
 */
export function chunkEnd(sqlite: Database, asOf: number, afterId: string, limit: number, skewMs = SKEW_MS): string | null {
  const row = sqlite
    .query<{ id: string | null }, [string, number, number]>(
      `SELECT max(customer_id) AS id FROM (
         SELECT DISTINCT customer_id FROM transactions WHERE customer_id > ? AND occurred_at <= ? ORDER BY customer_id LIMIT ?)`,
    )
    .get(afterId, asOf + skewMs, limit);
  return row?.id ?? null;
}

/**
 * The histories of the next `limit` identified customers after `afterId` in id order (keyset pages, so
 * no statement stays open while the caller scores and writes). Empty when there are no more.
 */
export function historiesAfter(sqlite: Database, asOf: number, afterId: string, limit: number, skewMs = SKEW_MS): CustomerHistory[] {
  const lastId = chunkEnd(sqlite, asOf, afterId, limit, skewMs);
  return lastId === null ? [] : historiesBetween(sqlite, asOf, afterId, lastId, skewMs);
}

/** The histories of the identified customers with ids in (afterId, throughId], in id order. */
export function historiesBetween(sqlite: Database, asOf: number, afterId: string, throughId: string, skewMs = SKEW_MS): CustomerHistory[] {
  const rows = sqlite
    .query<Row, [string, string, number]>(
      `${SELECT} WHERE t.customer_id > ? AND t.customer_id <= ? AND t.occurred_at <= ? ORDER BY t.customer_id, t.occurred_at, t.id, l.line_no`,
    )
    .all(afterId, throughId, asOf + skewMs);
  const out: CustomerHistory[] = [];
  const last = { txId: null as string | null };
  for (const r of rows) {
    let current = out[out.length - 1];
    if (!current || current.customerId !== r.customer_id) {
      current = { customerId: r.customer_id, baskets: [] };
      out.push(current);
      last.txId = null;
    }
    appendRow(current.baskets, last, r, asOf);
  }
  return out;
}

/**
 * Every identified customer's history at `asOf`, for retraining on the store's own data: strictly the facts
 * at or before it (no clock-skew allowance, which would let a day after a past as-of into training).
 */
export function storeHistories(sqlite: Database, asOf: number): Map<string, CustomerHistory> {
  const out = new Map<string, CustomerHistory>();
  const page = (after: string) => historiesAfter(sqlite, asOf, after, 10_000, 0);
  for (let rows = page(''); rows.length > 0; rows = page(rows[rows.length - 1]!.customerId)) {
    for (const h of rows) out.set(h.customerId, h);
  }
  return out;
}
