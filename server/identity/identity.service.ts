import type { Database } from 'bun:sqlite';
import { newId } from '../kernel/ids.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import type { CustomerRow } from './customer-row.ts';
import { recordCustomerEvent } from './customer-view.ts';
import { MERGED_FIELDS, type MergedField } from './profile-columns.ts';

/*
 * Who is this? Identifiers are unique keys (kind, normalized value) → customer. All functions run inside
 * the caller's SQLite transaction and are only called for authenticated callers (DESIGN §5: never merge
 * on input from an unauthenticated caller).
 */

export function findCustomerByIdentifier(sqlite: Database, ref: IdentifierRef): string | null {
  const row = sqlite
    .query<{ customer_id: string }, [string, string]>('SELECT customer_id FROM identity_links WHERE kind = ? AND value = ?')
    .get(ref.kind, ref.value);
  return row?.customer_id ?? null;
}

/** Links an identifier to a customer (a fact: `identifier_linked`, carrying the normalized value). */
export function linkIdentifier(sqlite: Database, customerId: string, ref: IdentifierRef, now: number): void {
  recordCustomerEvent(sqlite, customerId, 'identifier_linked', now, { kind: ref.kind, value: ref.value });
}

export function unlinkIdentifier(sqlite: Database, customerId: string, ref: IdentifierRef, now: number): void {
  recordCustomerEvent(sqlite, customerId, 'identifier_unlinked', now, { kind: ref.kind, value: ref.value });
}

export function createCustomer(sqlite: Database, storeId: string, now: number, origin: string): string {
  const id = newId(now);
  recordCustomerEvent(sqlite, id, 'created', now, { origin, store_id: storeId });
  return id;
}

export type MergeRow = Pick<CustomerRow, 'id' | 'created_at' | MergedField>;

/** The customers to merge, in the order given; unknown ids are left out. */
export function mergeRows(sqlite: Database, ids: readonly string[]): MergeRow[] {
  return ids
    .map((id) => sqlite.query<MergeRow, [string]>(`SELECT id, created_at, ${MERGED_FIELDS.join(', ')} FROM customers WHERE id = ?`).get(id))
    .filter((r): r is MergeRow => r !== null);
}

/**
 * The identity side of a merge (a fact: `merged`, on the survivor): the loser and its aliases become aliases
 * of the survivor, its identifiers move, and the survivor takes the loser's profile values where it has
 * none, so no contact detail is dropped. `survivor` is updated to the merged values. `extra` goes into the
 * event (an approved suggestion's id).
 */
export function mergeIdentity(sqlite: Database, survivor: MergeRow, loser: MergeRow, now: number, reason: string, extra: Record<string, unknown> = {}): void {
  const taken = MERGED_FIELDS.filter((f) => survivor[f] === null && loser[f] !== null);
  for (const f of taken) (survivor as Record<string, unknown>)[f] = loser[f];
  recordCustomerEvent(sqlite, survivor.id, 'merged', now, { merged_id: loser.id, reason, fields_taken: taken, ...extra });
}

/** Registered (by a clerk, or merged with a registered customer's fields) rather than a shadow made from POS data alone. */
export function isRegistered(sqlite: Database, id: string): boolean {
  return sqlite.query<{ r: number | null }, [string]>('SELECT registered_at AS r FROM customers WHERE id = ?').get(id)?.r != null;
}

/** Unlinks every live identifier of the customer (facts: `identifier_unlinked`, with `reason`). */
export function unlinkAll(sqlite: Database, customerId: string, now: number, reason: string): void {
  const links = sqlite.query<IdentifierRef, [string]>('SELECT kind, value FROM identity_links WHERE customer_id = ? ORDER BY kind, value').all(customerId);
  for (const l of links) recordCustomerEvent(sqlite, customerId, 'identifier_unlinked', now, { kind: l.kind, value: l.value, reason });
}

/** Follows an alias to the customer that survived merges. */
export function canonicalCustomerId(sqlite: Database, id: string): string | null {
  let current = id;
  for (let hops = 0; hops < 16; hops++) {
    const row = sqlite.query<{ merged_into: string | null }, [string]>('SELECT merged_into FROM customers WHERE id = ?').get(current);
    if (!row) return null;
    if (row.merged_into === null) return current;
    current = row.merged_into;
  }
  return null;
}

/**
 * Customers whose live phone ends in these four digits, the most recently linked first, at most `limit`
 * (read from the partial index on the phone's last four digits).
 */
export function customersByPhoneSuffix(sqlite: Database, last4: string, limit: number): Array<{ customerId: string; phone: string }> {
  return sqlite
    .query<{ customer_id: string; value: string }, [string, number]>(
      "SELECT customer_id, value FROM identity_links WHERE substr(value, -4) = ? AND kind = 'phone' ORDER BY created_at DESC LIMIT ?",
    )
    .all(last4, limit)
    .map((r) => ({ customerId: r.customer_id, phone: r.value }));
}
