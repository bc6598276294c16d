import type { Database } from 'bun:sqlite';
import { appendLedgerEntry, type LedgerFact } from '../db/fact-writer.ts';
import { AppError } from '../kernel/errors.ts';
import type { LineInput } from '../kernel/transaction-input.ts';
import { type LoyaltyRules, pointsForLines, tierFor, type TierStatus } from './loyalty-rules.ts';
import {
  applyEntry,
  earnedInWindow,
  type LedgerEntry,
  type LedgerState,
  replayLedger,
  summarizePoints,
} from './points-ledger.ts';

/*
 * Ledger storage. Every function runs inside the caller's SQLite transaction; customer_points.balance is
 * kept equal to SUM(loyalty_ledger.points) for the customer by writing both in the same transaction.
 */

type LedgerRow = Omit<LedgerFact, 'recorded_customer_id' | 'created_at'> & { id: number };

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

/**
 * Whom an entry owned by `customerId` is recorded for: an entry on a lot (a reversal, an expiry) for whom the lot
 * was earned, any other for `txFor` (whom its transaction was recorded for). Through a merge the owner may hold
 * another customer's lots: recorded for that customer, the entry goes back with its lot if the merge is undone.
 */
function recordedFor(sqlite: Database, customerId: string, e: NewEntry, txFor: string): string {
  if (e.lotId === null) return txFor;
  const lot = sqlite.query<{ r: string }, [number]>('SELECT recorded_customer_id AS r FROM loyalty_ledger WHERE id = ?').get(e.lotId);
  return lot?.r ?? customerId;
}

/** The ledger row alone (a fact); the caller keeps customer_points.balance equal to the sum in the same transaction. */
function insertLedgerRow(sqlite: Database, customerId: string, e: NewEntry, now: number, txFor = customerId): LedgerEntry {
  const id = appendLedgerEntry(sqlite, {
    recorded_customer_id: recordedFor(sqlite, customerId, e, txFor),
    kind: e.kind,
    points: e.points,
    tx_id: e.txId,
    lot_id: e.lotId,
    effective_at: e.effectiveAt,
    available_at: e.availableAt,
    expires_at: e.expiresAt,
    created_at: now,
  }, customerId);
  return { id, ...e };
}

function addToBalance(sqlite: Database, customerId: string, points: number): void {
  sqlite
    .query(
      `INSERT INTO customer_points (customer_id, balance) VALUES (?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance`,
    )
    .run(customerId, points);
}

function appendEntry(sqlite: Database, customerId: string, e: NewEntry, now: number, txFor = customerId): LedgerEntry {
  const entry = insertLedgerRow(sqlite, customerId, e, now, txFor);
  addToBalance(sqlite, customerId, e.points);
  return entry;
}

function appendAndApply(sqlite: Database, state: LedgerState, customerId: string, e: NewEntry, now: number, txFor = customerId): void {
  applyEntry(state, appendEntry(sqlite, customerId, e, now, txFor));
}

/** After a replay: the earliest expiry among lots that still hold points (see customer_points.next_expiry_at). */
function saveNextExpiry(sqlite: Database, customerId: string, state: LedgerState): void {
  let next: number | null = null;
  for (const lot of state.lots) if (lot.remaining > 0 && (next === null || lot.expiresAt < next)) next = lot.expiresAt;
  sqlite.query('UPDATE customer_points SET next_expiry_at = ? WHERE customer_id = ?').run(next, customerId);
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
  saveNextExpiry(sqlite, customerId, s);
  return s;
}

export interface SettleInput {
  /** Who owns the transaction's points. */
  customerId: string;
  /** Whom the transaction is recorded for (`customerId`, or a return's sale's customer merged into it). */
  recordedFor?: string;
  txId: string;
  kind: 'sale' | 'return';
  occurredAt: number;
  lines: readonly LineInput[];
  pointsRedeemed: number;
  /** For returns linked to their sale: the sale's id, and how many of its points are not reversed yet. */
  original: { txId: string; unreversedPoints: number } | null;
  /** When the store received it (epoch ms): a later receipt than the sale delays its points (pendingUntil). */
  receivedAt: number;
}

export interface SettleResult {
  earned: number;
  reversed: number;
  redeemed: number;
  balance: number;
}

/**
 * The common case without a replay: a sale that redeems nothing, for a customer with no debt and no lot
 * that has expired unnoticed (balance >= 0 and next_expiry_at in the future imply no debt: debt only arises
 * when every unexpired lot is empty). The earn lot is written, and if it is already past its expiry (an
 * old sale imported today) its expiry right after it, exactly what a replay would write. Returns null when
 * the ledger must be replayed.
 */
function settlePlainSale(sqlite: Database, rules: LoyaltyRules, input: SettleInput, now: number): SettleResult | null {
  if (input.kind !== 'sale' || input.pointsRedeemed > 0) return null;
  const cp = sqlite
    .query<{ balance: number; next_expiry_at: number | null }, [string]>('SELECT balance, next_expiry_at FROM customer_points WHERE customer_id = ?')
    .get(input.customerId);
  if (cp && (cp.balance < 0 || (cp.next_expiry_at !== null && cp.next_expiry_at <= now))) return null;
  const earned = pointsForLines(rules, input.lines);
  let balance = cp?.balance ?? 0;
  if (earned > 0) {
    const expiresAt = input.occurredAt + rules.expiryMs;
    const lot = insertLedgerRow(
      sqlite,
      input.customerId,
      { kind: 'earn', points: earned, txId: input.txId, lotId: null, effectiveAt: input.occurredAt, availableAt: pendingUntil(rules, input.occurredAt, input.receivedAt), expiresAt },
      now,
    );
    if (expiresAt <= now) {
      insertLedgerRow(sqlite, input.customerId, { kind: 'expire', points: -earned, txId: null, lotId: lot.id, effectiveAt: expiresAt, availableAt: null, expiresAt: null }, now);
      // Earn and expire cancel out: the balance row is unchanged, or created at 0 for a first-time customer.
      if (!cp) addToBalance(sqlite, input.customerId, 0);
    } else {
      balance += earned;
      // The balance and the earliest expiry in one statement (a new row starts with this lot's expiry).
      sqlite
        .query(
          `INSERT INTO customer_points (customer_id, balance, next_expiry_at) VALUES (?1, ?2, ?3)
           ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance, next_expiry_at = min(coalesce(next_expiry_at, ?3), ?3)`,
        )
        .run(input.customerId, earned, expiresAt);
    }
  }
  return { earned, reversed: 0, redeemed: 0, balance };
}

/**
 * When an earn becomes spendable: the return window after the sale, counted from when the store received it
 * if that is later (a sale posted backdated cannot be spent before a return of it could still arrive).
 */
function pendingUntil(rules: LoyaltyRules, occurredAt: number, receivedAt: number): number {
  return Math.max(occurredAt, receivedAt) + rules.returnWindowMs;
}

/** Applies a transaction's points: redeem (409 when short), earn for sales, reverse for returns. */
export function settleTransactionPoints(sqlite: Database, rules: LoyaltyRules, input: SettleInput, now: number): SettleResult {
  const plain = settlePlainSale(sqlite, rules, input, now);
  if (plain) return plain;
  // Expire what was gone by the sale time first, so a replayed backlog sale may still spend points that
  // were valid when it happened; what has expired since is written after the sale's own entries.
  const state = expireDuePoints(sqlite, input.customerId, Math.min(now, input.occurredAt));
  const base = { txId: input.txId, lotId: null, effectiveAt: input.occurredAt, availableAt: null, expiresAt: null };
  const txFor = input.recordedFor ?? input.customerId;
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
    appendAndApply(sqlite, state, input.customerId, { ...base, kind: 'redeem', points: -input.pointsRedeemed }, now); // spent by who was at the till: stays theirs
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
        availableAt: pendingUntil(rules, input.occurredAt, input.receivedAt),
        expiresAt: input.occurredAt + rules.expiryMs,
      },
      now,
    );
  } else if (input.kind === 'return') {
    // A linked return gives back at most what its sale earned and is not reversed yet.
    reversed = input.original ? Math.min(linePoints, input.original.unreversedPoints) : linePoints;
    if (reversed > 0) {
      const lotId = input.original ? (state.lots.find((l) => l.txId === input.original?.txId)?.id ?? null) : null;
      appendAndApply(sqlite, state, input.customerId, { ...base, kind: 'reverse', points: -reversed, lotId }, now, txFor);
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

/** Reads a customer's points: pointsView itself, or a memo of it (see pointsOnce). */
export type PointsOf = (customerId: string, now: number) => PointsView;

/** The customer's points through `pointsOf` when the caller shares one reading, pointsView otherwise. */
export function pointsFor(deps: { sqlite: Database; rules: LoyaltyRules; pointsOf?: PointsOf | undefined }, customerId: string, now: number): PointsView {
  return deps.pointsOf ? deps.pointsOf(customerId, now) : pointsView(deps.sqlite, deps.rules, customerId, now);
}

/**
 * pointsView once per customer for one request: the profile and its actions both show the points, and
 * replaying a long ledger twice doubled what a regular's lookup cost. Moments apart within one request
 * read as the same moment.
 */
export function pointsOnce(sqlite: Database, rules: LoyaltyRules): PointsOf {
  const seen = new Map<string, PointsView>();
  return (customerId, now) => {
    let view = seen.get(customerId);
    if (!view) seen.set(customerId, (view = pointsView(sqlite, rules, customerId, now)));
    return view;
  };
}

/** A merge: the loser's balance joins the survivor's; the expiry cache is unknown until the next replay. */
export function movePoints(sqlite: Database, from: string, to: string): void {
  const loser = sqlite.query<{ balance: number }, [string]>('SELECT balance FROM customer_points WHERE customer_id = ?').get(from);
  if (!loser) return;
  sqlite.query('DELETE FROM customer_points WHERE customer_id = ?').run(from);
  sqlite
    .query(
      'INSERT INTO customer_points (customer_id, balance, next_expiry_at) VALUES (?, ?, 0) ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance, next_expiry_at = 0',
    )
    .run(to, loser.balance);
}

/**
 * An unmerge: the customer's balance from the ledger entries it owns again (next_expiry_at 0 = unknown: its
 * next write replays the ledger once). Points the survivor redeemed from the returned customer's lots stay
 * redeemed by the survivor, whose balance may then be below zero until it earns again.
 */
export function recomputeBalance(sqlite: Database, customerId: string): void {
  sqlite.query('DELETE FROM customer_points WHERE customer_id = ?').run(customerId);
  sqlite
    .query('INSERT INTO customer_points (customer_id, balance, next_expiry_at) SELECT customer_id, sum(points), 0 FROM loyalty_ledger WHERE customer_id = ? GROUP BY customer_id')
    .run(customerId);
}

/** `cli rebuild`: every balance from the ledger. next_expiry_at 0 = unknown: each customer's next write replays the ledger once. */
export function rebuildPoints(sqlite: Database): void {
  sqlite.run('DELETE FROM customer_points');
  sqlite.run('INSERT INTO customer_points (customer_id, balance, next_expiry_at) SELECT customer_id, sum(points), 0 FROM loyalty_ledger GROUP BY customer_id');
}
