import type { Database } from 'bun:sqlite';
import { type Change, readChanges } from '../db/change-log.ts';
import { type OutboundPolicy, outboundChange } from '../../sync/outbound.ts';
import type { PushBatch, WireChange } from '../../sync/protocol.ts';

/** A stored fact in its wire form: event data is parsed JSON (the store keeps it as text). */
export function wireChange(change: Change): WireChange {
  if (change.kind === 'event') return { seq: change.seq, kind: 'event', fact: { ...change.fact, data: JSON.parse(change.fact.data) as Record<string, unknown> } };
  if (change.kind === 'ledger') return { seq: change.seq, kind: 'ledger', fact: change.fact };
  return { seq: change.seq, kind: 'transaction', fact: { ...change.fact, lines: change.fact.lines.map((l) => ({ ...l, void: l.void ? 1 : 0 })) } };
}

/**
 * The next batch this store pushes: up to `limit` facts after `after` (central's acknowledged cursor), as they
 * leave the store (identifiers digested unless the chain transfers PII).
 */
export function outboundBatch(
  sqlite: Database,
  opts: { storeId: string; after: number; limit: number; policy: OutboundPolicy; hlc: string; now: number },
): PushBatch {
  const changes = readChanges(sqlite, opts.after, opts.limit).map((c) => outboundChange(wireChange(c), opts.policy));
  return { store_id: opts.storeId, after: opts.after, changes, hlc: opts.hlc, sent_at: opts.now };
}
