import type { Database } from 'bun:sqlite';
import { newId } from '../kernel/ids.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import { recordEvent } from './customer-events.ts';

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

export function linkIdentifier(sqlite: Database, customerId: string, ref: IdentifierRef, now: number): void {
  sqlite
    .query('INSERT INTO identity_links (kind, value, customer_id, created_at) VALUES (?, ?, ?, ?)')
    .run(ref.kind, ref.value, customerId, now);
}

export function createCustomer(sqlite: Database, storeId: string, now: number, origin: string): string {
  const id = newId(now);
  sqlite
    .query('INSERT INTO customers (id, store_id, created_at, updated_at) VALUES (?, ?, ?, ?)')
    .run(id, storeId, now, now);
  recordEvent(sqlite, id, 'created', now, { origin });
  return id;
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
