import type { PushBatch, WireChange } from '../protocol.ts';

/**
 * What central's storage does for one push, all inside ONE database transaction that the caller opens (and
 * in which the store's row is locked, so two pushes of one store never interleave).
 */
export interface CentralPushTx {
  /** The last sequence number applied for the store (0 before its first push). */
  cursor(storeId: string): Promise<number>;
  /** Keeps the changes and derives what central shows from them (chain stats, global customers…). */
  apply(storeId: string, changes: readonly WireChange[], flags: { clockSkewMs: number | null; at: number }): Promise<void>;
  /** Every push that is not a gap: the cursor after it, when, and the store's clock skew (null within the bound). */
  recordPush(storeId: string, push: { cursor: number; at: number; clockSkewMs: number | null }): Promise<void>;
}

export type PushOutcome =
  | { status: 'applied'; cursor: number; applied: number; clockSkewMs: number | null }
  /** The batch starts after a number central does not have yet: the store must resend from `cursor`. */
  | { status: 'gap'; cursor: number };

/**
 * Applies a store's batch after central's cursor for it. Idempotent by (store, seq): changes central already
 * has are skipped, so a batch sent twice, or resent after a lost answer, counts once. A batch that would leave
 * a hole is refused with the cursor central holds. A store clock off by more than `maxSkewMs` from central's is
 * reported and the changes are kept flagged (never silently merged into last-writer-wins fields).
 */
export async function applyPush(tx: CentralPushTx, batch: PushBatch, now: number, maxSkewMs: number): Promise<PushOutcome> {
  const cursor = await tx.cursor(batch.store_id);
  if (batch.after > cursor) return { status: 'gap', cursor };
  const fresh = batch.changes.filter((c) => c.seq > cursor);
  const skew = batch.sent_at - now;
  const clockSkewMs = Math.abs(skew) > maxSkewMs ? skew : null;
  if (fresh.length > 0) await tx.apply(batch.store_id, fresh, { clockSkewMs, at: now });
  const after = fresh.at(-1)?.seq ?? cursor;
  await tx.recordPush(batch.store_id, { cursor: after, at: now, clockSkewMs });
  return { status: 'applied', cursor: after, applied: fresh.length, clockSkewMs };
}
