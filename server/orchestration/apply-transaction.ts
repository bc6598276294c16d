import type { Database } from 'bun:sqlite';
import { appendTransaction } from '../db/fact-writer.ts';
import { fillProfileGaps } from '../identity/customer-write.service.ts';
import { attributeConversion } from '../actions/actions.service.ts';
import type { AppDeps } from './app-deps.ts';
import { DAY_MS } from '../kernel/clock.ts';
import { AppError } from '../kernel/errors.ts';
import { resolveCustomer } from './merge-customers.ts';
import { newId } from '../kernel/ids.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { evaluateCustomerLifecycle } from '../lifecycle/lifecycle.service.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import { settleTransactionPoints } from '../loyalty/loyalty.service.ts';
import { addTransactionToStats } from '../stats/customer-stats.service.ts';
import { contentHash, taxContradicts } from '../ingest/content-hash.ts';
import type { TransactionInput } from '../kernel/transaction-input.ts';
import { nonVoidTotal } from '../kernel/transaction-input.ts';
import type { IngestResult } from '../contract/ingest-results.ts';

export interface IngestDeps {
  sqlite: Database;
  rules: LoyaltyRules;
  lifecycle: LifecycleRules;
  /** A purchase within this long after an action was done converts it. */
  attributionMs: number;
  /**
   * Bulk imports: collect the customers whose lifecycle must be re-evaluated instead of evaluating after
   * every transaction (the caller evaluates each once at the end; otherwise long histories are quadratic).
   */
  deferLifecycle?: Set<string>;
  /** History (imports): points count as received when the sale happened; a live post's count from its arrival. */
  history?: boolean;
  timeZone: string;
  /** Makes committed work durable (an fsync of the WAL); callers that commit themselves await it. */
  durable?: () => Promise<void>;
}

export function ingestDepsFrom(deps: AppDeps): IngestDeps {
  return {
    sqlite: deps.sqlite,
    rules: deps.rules,
    lifecycle: deps.lifecycle,
    attributionMs: deps.config.ACTIONS_ATTRIBUTION_DAYS * DAY_MS,
    timeZone: deps.config.STORE_TZ,
    durable: deps.walSync.durable,
  };
}

export interface IngestOutcome {
  /** 201 stored now; 200 the same transaction was stored before (nothing written). */
  status: 200 | 201;
  result: IngestResult;
}

interface StoredRow {
  id: string;
  customer_id: string | null;
  recorded_customer_id: string | null;
  points_earned: number;
  points_reversed: number;
  points_redeemed: number;
  points_balance: number | null;
  original_tx_id: string | null;
  content_hash: string;
  tax: number | null;
  tax_included: number | null;
}

const STORED_COLUMNS = 'id, customer_id, recorded_customer_id, points_earned, points_reversed, points_redeemed, points_balance, original_tx_id, content_hash, tax, tax_included';

function resultOf(row: StoredRow): IngestResult {
  return {
    id: row.id,
    customer_id: row.customer_id,
    points_earned: row.points_earned,
    points_reversed: row.points_reversed,
    points_redeemed: row.points_redeemed,
    points_balance: row.points_balance,
    original_id: row.original_tx_id,
  };
}

function findByKey(sqlite: Database, storeId: string, terminalId: string, receiptNo: string): StoredRow | null {
  return sqlite
    .query<StoredRow, [string, string, string]>(
      `SELECT ${STORED_COLUMNS} FROM transactions WHERE store_id = ? AND terminal_id = ? AND receipt_no = ?`,
    )
    .get(storeId, terminalId, receiptNo);
}

/**
 * Stores one transaction with everything it implies (customer, points, stats). Must run inside a
 * SQLite transaction (or savepoint) owned by the caller: on any throw the caller rolls back, so nothing
 * is half-written. Idempotent by (store_id, terminal_id, receipt_no).
 */
export function applyTransaction(deps: IngestDeps, input: TransactionInput, now: number): IngestOutcome {
  const { sqlite } = deps;
  const hash = contentHash(input);
  const existing = findByKey(sqlite, input.storeId, input.terminalId, input.receiptNo);
  if (existing) {
    if (existing.content_hash !== hash || taxContradicts(existing, input.tax)) {
      throw new AppError(409, 'idempotency_conflict', 'this receipt was already stored with different content', {
        store_id: input.storeId,
        terminal_id: input.terminalId,
        receipt_no: input.receiptNo,
        id: existing.id,
      });
    }
    return { status: 200, result: resultOf(existing) };
  }

  const original = input.original ? findByKey(sqlite, input.original.storeId, input.original.terminalId, input.original.receiptNo) : null;
  const id = newId(now);
  let customerId: string | null = null;
  if (input.customer.length > 0) customerId = resolveCustomer(sqlite, input.customer, input.storeId, now, id);
  else if (input.kind === 'return' && original) customerId = original.customer_id;
  if (customerId && input.customerProfile) fillProfileGaps(sqlite, customerId, input.customerProfile, now);
  // A return of a sale its customer owns through a merge is recorded for whom the sale was, so it and its point
  // reversal go back with the sale if that merge is undone (README "Identity"); it is owned by the customer now.
  const recordedFor = (customerId && original?.customer_id === customerId ? original.recorded_customer_id : null) ?? customerId;

  const sign = input.kind === 'return' ? -1 : 1;
  const total = sign * nonVoidTotal(input.lines);
  if (input.kind === 'return' && original) assertRefundable(sqlite, original.id, -total);

  let points = { earned: 0, reversed: 0, redeemed: 0, balance: null as number | null };
  if (customerId) {
    const unreversed = original && original.customer_id === customerId ? original.points_earned - reversedSoFar(sqlite, original.id) : 0;
    points = settleTransactionPoints(
      sqlite,
      deps.rules,
      {
        customerId,
        recordedFor: recordedFor ?? customerId,
        txId: id,
        kind: input.kind,
        occurredAt: input.occurredAt,
        lines: input.lines,
        pointsRedeemed: input.pointsRedeemed,
        original: original ? { txId: original.id, unreversedPoints: Math.max(0, unreversed) } : null,
        receivedAt: deps.history ? input.occurredAt : now,
      },
      now,
    );
    addTransactionToStats(sqlite, customerId, input.kind, input.occurredAt, input.utcOffsetMin, total);
  }

  // Facts: stored signed (returns negative), lines numbered from 1.
  appendTransaction(
    sqlite,
    {
      id, store_id: input.storeId, terminal_id: input.terminalId, receipt_no: input.receiptNo, kind: input.kind, occurred_at: input.occurredAt,
      utc_offset_min: input.utcOffsetMin, recorded_customer_id: recordedFor, total, line_count: input.lines.length, points_earned: points.earned,
      points_reversed: points.reversed, points_redeemed: points.redeemed, points_balance: points.balance, original_tx_id: original?.id ?? null,
      original_terminal_id: input.original?.terminalId ?? null, original_receipt_no: input.original?.receiptNo ?? null,
      tenders: JSON.stringify(input.tenders), change_amount: input.change, coupons: JSON.stringify(input.coupons),
      tax: input.tax?.amount ?? null, tax_included: input.tax ? (input.tax.included ? 1 : 0) : null, content_hash: hash,
      source: input.source, received_at: now,
    },
    input.lines.map((l, i) => ({
      line_no: i + 1, sku: l.sku, name: l.name, category: l.category, quantity_milli: sign * l.quantityMilli, unit_price: l.unitPrice,
      discount: l.discount, amount: l.amount === null ? null : sign * l.amount, void: l.void ? 1 : 0,
    })),
    customerId,
  );
  if (customerId) {
    if (deps.deferLifecycle) deps.deferLifecycle.add(customerId);
    else evaluateCustomerLifecycle(sqlite, deps.lifecycle, customerId, now, input.occurredAt, input.kind === 'sale' ? 'sale' : 'other');
    if (input.kind === 'sale') attributeConversion(sqlite, customerId, id, input.occurredAt, total, deps.attributionMs);
  }

  return {
    status: 201,
    result: {
      id,
      customer_id: customerId,
      points_earned: points.earned,
      points_reversed: points.reversed,
      points_redeemed: points.redeemed,
      points_balance: points.balance,
      original_id: original?.id ?? null,
    },
  };
}

/**
 * A return linked to its sale refunds at most what the sale came to, less what earlier returns of it refunded
 * (minor units). Past that it is refused with the amounts, before anything is written.
 */
function assertRefundable(sqlite: Database, originalId: string, refund: number): void {
  const row = sqlite
    .query<{ sale: number; returned: number }, [string]>(
      "SELECT (SELECT total FROM transactions WHERE id = ?1) AS sale, coalesce((SELECT -sum(total) FROM transactions WHERE original_tx_id = ?1 AND kind = 'return'), 0) AS returned",
    )
    .get(originalId)!;
  if (refund > row.sale - row.returned) {
    throw new AppError(422, 'return_exceeds_sale', `this return refunds ${refund}, but the sale came to ${row.sale} and ${row.returned} of it was already returned (minor units)`, {
      sale_total: row.sale,
      returned_before: row.returned,
      this_return: refund,
      refundable: Math.max(0, row.sale - row.returned),
    });
  }
}

function reversedSoFar(sqlite: Database, originalId: string): number {
  const row = sqlite
    .query<{ n: number | null }, [string]>("SELECT sum(points_reversed) AS n FROM transactions WHERE original_tx_id = ? AND kind = 'return'")
    .get(originalId);
  return row?.n ?? 0;
}
