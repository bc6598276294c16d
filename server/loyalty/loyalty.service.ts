import type { Database } from 'bun:sqlite';
import { AppError } from '../errors.ts';
import type { LineInput } from '../ingest/transaction-input.ts';
import { type LoyaltyRules, pointsForLines, tierFor, type TierStatus } from './loyalty-rules.ts';
import {
  applyEntry,
  earnedInWindow,
  type LedgerEntry,
  type LedgerKind,
  type LedgerState,
  replayLedger,
  summarizePoints,
} from './points-ledger.ts';

/*
 * Ledger storage. Every function runs inside the caller's SQLite transaction; customer_points.balance is
 * kept equal to SUM(loyalty_ledger.points) for the customer by writing both in the same transaction.
 */

interface LedgerRow {
  id: number;
  kind: LedgerKind;
  points: number;
  tx_id: string | null;
  lot_id: number | null;
  effective_at: number;
  available_at: number | null;
  expires_at: number | null;
}

export function loadLedger(sqlite: Database, customerId: string): LedgerEntry[] {
  const rows = sqlite
    .query<LedgerRow, [string]>(
      'SELECT id, kind, points, tx_id, lot_id, effective_at, available_at, expires_at FROM loyalty_ledger WHERE customer_id = ? ORDER BY id',
    )
    .all(customerId);
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    points: r.points,
    txId: r.tx_id,
    lotId: r.lot_id,
    effectiveAt: r.effective_at,
    availableAt: r.available_at,
    expiresAt: r.expires_at,
  }));
}

type NewEntry = Omit<LedgerEntry, 'id'>;

function appendEntry(sqlite: Database, customerId: string, e: NewEntry, now: number): LedgerEntry {
  const res = sqlite
    .query(
      `INSERT INTO loyalty_ledger (customer_id, kind, points, tx_id, lot_id, effective_at, available_at, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(customerId, e.kind, e.points, e.txId, e.lotId, e.effectiveAt, e.availableAt, e.expiresAt, now);
  sqlite
    .query(
      `INSERT INTO customer_points (customer_id, balance) VALUES (?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance`,
    )
    .run(customerId, e.points);
  return { id: Number(res.lastInsertRowid), ...e };
}

function appendAndApply(sqlite: Database, state: LedgerState, customerId: string, e: NewEntry, now: number): void {
  applyEntry(state, appendEntry(sqlite, customerId, e, now));
}

/** Writes an expire entry for every lot past its expiry. Returns the state after. */
export function expireDuePoints(sqlite: Database, customerId: string, now: number, state?: LedgerState): LedgerState {
  const s = state ?? replayLedger(loadLedger(sqlite, customerId));
  for (const lot of summarizePoints(s, now).expiredUnrecorded) {
    appendAndApply(
      sqlite,
      s,
      customerId,
      { kind: 'expire', points: -lot.remaining, txId: null, lotId: lot.id, effectiveAt: lot.expiresAt, availableAt: null, expiresAt: null },
      now,
    );
  }
  return s;
}

export interface SettleInput {
  customerId: string;
  txId: string;
  kind: 'sale' | 'return';
  occurredAt: number;
  lines: readonly LineInput[];
  pointsRedeemed: number;
  /** For returns linked to their sale: the sale's id, and how many of its points are not reversed yet. */
  original: { txId: string; unreversedPoints: number } | null;
}

export interface SettleResult {
  earned: number;
  reversed: number;
  redeemed: number;
  balance: number;
}

/** Applies a transaction's points: redeem (409 when short), earn for sales, reverse for returns. */
export function settleTransactionPoints(sqlite: Database, rules: LoyaltyRules, input: SettleInput, now: number): SettleResult {
  // Expire what was gone by the sale time first, so a replayed backlog sale may still spend points that
  // were valid when it happened; what has expired since is written after the sale's own entries.
  const state = expireDuePoints(sqlite, input.customerId, Math.min(now, input.occurredAt));
  const base = { txId: input.txId, lotId: null, effectiveAt: input.occurredAt, availableAt: null, expiresAt: null };
  let earned = 0;
  let reversed = 0;
  if (input.pointsRedeemed > 0) {
    const spendable = summarizePoints(state, input.occurredAt).spendable;
    if (spendable < input.pointsRedeemed) {
      throw new AppError(409, 'insufficient_points', `the customer has ${Math.max(0, spendable)} spendable points, ${input.pointsRedeemed} asked`, {
        spendable: Math.max(0, spendable),
        requested: input.pointsRedeemed,
      });
    }
    appendAndApply(sqlite, state, input.customerId, { ...base, kind: 'redeem', points: -input.pointsRedeemed }, now);
  }
  const linePoints = pointsForLines(rules, input.lines);
  if (input.kind === 'sale' && linePoints > 0) {
    earned = linePoints;
    appendAndApply(
      sqlite,
      state,
      input.customerId,
      {
        ...base,
        kind: 'earn',
        points: earned,
        availableAt: input.occurredAt + rules.returnWindowMs,
        expiresAt: input.occurredAt + rules.expiryMs,
      },
      now,
    );
  } else if (input.kind === 'return') {
    // A linked return gives back at most what its sale earned and is not reversed yet.
    reversed = input.original ? Math.min(linePoints, input.original.unreversedPoints) : linePoints;
    if (reversed > 0) {
      const lotId = input.original ? (state.lots.find((l) => l.txId === input.original?.txId)?.id ?? null) : null;
      appendAndApply(sqlite, state, input.customerId, { ...base, kind: 'reverse', points: -reversed, lotId }, now);
    }
  }
  expireDuePoints(sqlite, input.customerId, now, state);
  return { earned, reversed, redeemed: input.pointsRedeemed, balance: state.balance };
}

export interface PointsView {
  balance: number;
  spendable: number;
  pending: number;
  expiringSoon: number;
  tier: TierStatus;
}

export function pointsView(sqlite: Database, rules: LoyaltyRules, customerId: string, now: number): PointsView {
  const entries = loadLedger(sqlite, customerId);
  const state = replayLedger(entries);
  const summary = summarizePoints(state, now);
  return {
    // Lots already expired but not yet written count as gone.
    balance: state.balance - summary.expiredUnrecorded.reduce((s, l) => s + l.remaining, 0),
    spendable: summary.spendable,
    pending: summary.pending,
    expiringSoon: summary.expiringSoon,
    tier: tierFor(rules, earnedInWindow(entries, now)),
  };
}
