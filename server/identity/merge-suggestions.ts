import type { Database } from 'bun:sqlite';
import type { MergeSuggestion, MergeSuggestionStatus } from '../contract/merge.ts';
import type { IdentifierKind } from '../contract/enums.ts';
import type { Actor } from '../kernel/actor.ts';
import { AppError } from '../kernel/errors.ts';
import { newId } from '../kernel/ids.ts';
import { isoOrNull } from '../kernel/money.ts';
import { recordCustomerEvent } from './customer-view.ts';

/*
 * Merge suggestions: a sale named two registered customers, which POS data may not merge (DESIGN §5). Filing
 * and deciding are facts (`merge_suggested`, `merge_suggestion_decided`, recorded on the sale's customer);
 * `merge_suggestions` is their view. Each runs inside the caller's transaction.
 */

interface SuggestionRow {
  id: string;
  customer_id: string;
  other_customer_id: string;
  status: MergeSuggestionStatus;
  kinds: string;
  tx_id: string | null;
  created_at: number;
  decided_at: number | null;
}

const COLUMNS = 'id, customer_id, other_customer_id, status, kinds, tx_id, created_at, decided_at';

function wire(r: SuggestionRow): MergeSuggestion {
  return {
    id: r.id,
    customer_id: r.customer_id,
    other_customer_id: r.other_customer_id,
    status: r.status,
    kinds: JSON.parse(r.kinds) as IdentifierKind[],
    tx_id: r.tx_id,
    created_at: isoOrNull(r.created_at)!,
    decided_at: isoOrNull(r.decided_at),
  };
}

/**
 * Files a suggestion that `otherId` is `customerId`, unless one is open for the pair already (either way round):
 * a till naming the same two customers every visit makes one suggestion, not one a sale. Returns its id.
 */
export function fileMergeSuggestion(
  sqlite: Database,
  s: { customerId: string; otherId: string; kinds: readonly IdentifierKind[]; txId: string | null },
  now: number,
): string {
  const open = sqlite
    .query<{ id: string }, [string, string]>(
      `SELECT id FROM merge_suggestions WHERE status = 'open'
       AND ((customer_id = ?1 AND other_customer_id = ?2) OR (customer_id = ?2 AND other_customer_id = ?1))`,
    )
    .get(s.customerId, s.otherId);
  if (open) return open.id;
  const id = newId(now);
  recordCustomerEvent(sqlite, s.customerId, 'merge_suggested', now, { suggestion_id: id, other_id: s.otherId, kinds: s.kinds, tx_id: s.txId });
  return id;
}

/** Suggestions, oldest first, of one status or all. */
export function listMergeSuggestions(sqlite: Database, status: MergeSuggestionStatus | undefined): MergeSuggestion[] {
  const rows = status
    ? sqlite.query<SuggestionRow, [string]>(`SELECT ${COLUMNS} FROM merge_suggestions WHERE status = ? ORDER BY created_at, id`).all(status)
    : sqlite.query<SuggestionRow, []>(`SELECT ${COLUMNS} FROM merge_suggestions ORDER BY created_at, id`).all();
  return rows.map(wire);
}

export function getMergeSuggestion(sqlite: Database, id: string): MergeSuggestion {
  const row = sqlite.query<SuggestionRow, [string]>(`SELECT ${COLUMNS} FROM merge_suggestions WHERE id = ?`).get(id);
  if (!row) throw new AppError(404, 'not_found', 'no such merge suggestion');
  return wire(row);
}

/** Records a manager's decision on an open suggestion; 409 when it was decided already. */
export function decideMergeSuggestion(sqlite: Database, id: string, decision: 'approved' | 'rejected', by: Actor | null, now: number): MergeSuggestion {
  const s = getMergeSuggestion(sqlite, id);
  if (s.status !== 'open') throw new AppError(409, 'conflict', `this merge suggestion was ${s.status} already`, { status: s.status });
  recordCustomerEvent(sqlite, s.customer_id, 'merge_suggestion_decided', now, { suggestion_id: id, decision, by });
  return getMergeSuggestion(sqlite, id);
}
