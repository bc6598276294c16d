import { DAY_MS } from '../kernel/clock.ts';

/*
 * Points are lots: each earn (or positive adjust) is a lot that becomes spendable at `availableAt` (end of
 * the return window) and expires at `expiresAt`. Spending consumes lots first-to-expire first (FIFO by
 * expiry). Replaying the ledger in id order reproduces exactly the decisions taken when each entry was
 * written, because writes run the same algorithm on the same prefix of the ledger.
 *
 * Invariant: sum(entry.points) == sum(lot.remaining) - debt. Debt arises when a return reverses points
 * that were already spent; later earnings pay it off first.
 */

export type LedgerKind = 'earn' | 'redeem' | 'expire' | 'reverse' | 'adjust';

export interface LedgerEntry {
  id: number;
  kind: LedgerKind;
  points: number;
  txId: string | null;
  lotId: number | null;
  effectiveAt: number;
  availableAt: number | null;
  expiresAt: number | null;
}

export interface Lot {
  id: number;
  txId: string | null;
  earned: number;
  remaining: number;
  availableAt: number;
  expiresAt: number;
}

export interface LedgerState {
  lots: Lot[];
  debt: number;
  balance: number;
}

export function emptyLedger(): LedgerState {
  return { lots: [], debt: 0, balance: 0 };
}

export function replayLedger(entries: readonly LedgerEntry[]): LedgerState {
  const state = emptyLedger();
  for (const e of entries) applyEntry(state, e);
  return state;
}

export function applyEntry(state: LedgerState, e: LedgerEntry): void {
  state.balance += e.points;
  switch (e.kind) {
    case 'earn':
      addLot(state, e);
      return;
    case 'adjust':
      if (e.points >= 0) addLot(state, e);
      else consume(state, -e.points, e.effectiveAt, { allowPending: true, lotFirst: null });
      return;
    case 'redeem':
      consume(state, -e.points, e.effectiveAt, { allowPending: false, lotFirst: null });
      return;
    case 'reverse':
      consume(state, -e.points, e.effectiveAt, { allowPending: true, lotFirst: e.lotId });
      return;
    case 'expire': {
      const lot = state.lots.find((l) => l.id === e.lotId);
      if (lot) lot.remaining += e.points;
      else state.debt -= e.points; // an expire without its lot cannot be written; keep the sum invariant anyway
      return;
    }
  }
}

function addLot(state: LedgerState, e: LedgerEntry): void {
  const lot: Lot = {
    id: e.id,
    txId: e.txId,
    earned: e.points,
    remaining: e.points,
    availableAt: e.availableAt ?? e.effectiveAt,
    expiresAt: e.expiresAt ?? Number.MAX_SAFE_INTEGER,
  };
  const pay = Math.min(state.debt, lot.remaining);
  lot.remaining -= pay;
  state.debt -= pay;
  state.lots.push(lot);
}

function consume(
  state: LedgerState,
  points: number,
  at: number,
  opts: { allowPending: boolean; lotFirst: number | null },
): void {
  let left = points;
  const usable = state.lots
    .filter((l) => l.remaining > 0 && l.expiresAt > at && (opts.allowPending || l.availableAt <= at))
    .sort((a, b) => (a.id === opts.lotFirst ? -1 : b.id === opts.lotFirst ? 1 : a.expiresAt - b.expiresAt || a.id - b.id));
  for (const lot of usable) {
    if (left === 0) break;
    const take = Math.min(lot.remaining, left);
    lot.remaining -= take;
    left -= take;
  }
  state.debt += left;
}

export interface PointsSummary {
  /** Spendable now: available, not expired, net of debt (may be negative). */
  spendable: number;
  /** Earned but still inside the return window. */
  pending: number;
  /** Spendable points whose lot expires within the next 30 days. */
  expiringSoon: number;
  /** Lots already past expiry whose expiry has not been written to the ledger yet. */
  expiredUnrecorded: Lot[];
}

export function summarizePoints(state: LedgerState, at: number, soonMs = 30 * DAY_MS): PointsSummary {
  let available = 0;
  let pending = 0;
  let expiringSoon = 0;
  const expiredUnrecorded: Lot[] = [];
  for (const lot of state.lots) {
    if (lot.remaining <= 0) continue;
    if (lot.expiresAt <= at) expiredUnrecorded.push(lot);
    else if (lot.availableAt > at) pending += lot.remaining;
    else {
      available += lot.remaining;
      if (lot.expiresAt <= at + soonMs) expiringSoon += lot.remaining;
    }
  }
  return { spendable: available - state.debt, pending, expiringSoon, expiredUnrecorded };
}

/** Points earned (net of reversals) with effect inside (at - windowMs, at]: the basis of tiers. */
export function earnedInWindow(entries: readonly LedgerEntry[], at: number, windowMs = 365 * DAY_MS): number {
  let sum = 0;
  for (const e of entries) {
    if (e.effectiveAt <= at - windowMs || e.effectiveAt > at) continue;
    if (e.kind === 'earn' || e.kind === 'reverse') sum += e.points;
  }
  return Math.max(0, sum);
}
