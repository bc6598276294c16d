import type { Database } from 'bun:sqlite';
import type { CustomerRow } from '../identity/customer-row.ts';
import { recordEvent } from '../identity/customer-events.ts';
import { createCustomer, findCustomerByIdentifier, linkIdentifier } from '../identity/identity.service.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import { moveLifecycleHistory } from '../lifecycle/lifecycle.service.ts';
import { recomputeCustomerStats } from '../stats/customer-stats.service.ts';

/**
 * The customer a transaction names: existing, new (unknown identifiers create the customer), or the
 * survivor of a merge when the identifiers belong to different customers. New identifiers are linked.
 */
export function resolveCustomer(sqlite: Database, refs: readonly IdentifierRef[], storeId: string, now: number): string {
  const known = new Set<string>();
  const unknown: IdentifierRef[] = [];
  for (const ref of refs) {
    const id = findCustomerByIdentifier(sqlite, ref);
    if (id) known.add(id);
    else unknown.push(ref);
  }
  let customerId: string;
  if (known.size === 0) customerId = createCustomer(sqlite, storeId, now, 'transaction');
  else if (known.size === 1) customerId = known.values().next().value as string;
  else customerId = mergeCustomers(sqlite, [...known], now, 'transaction');
  for (const ref of unknown) linkIdentifier(sqlite, customerId, ref, now);
  return customerId;
}

type MergeRow = Pick<CustomerRow, 'id' | 'created_at' | (typeof PROFILE_FIELDS)[number]>;

const PROFILE_FIELDS = ['name', 'birthday', 'gender', 'consent_sms', 'consent_email', 'consent_push', 'consent_call', 'registered_at'] as const;

/**
 * Merges customers into the oldest one (ties by id). The others become aliases (merged_into) and every
 * fact is re-pointed; the survivor keeps its own profile values and takes the others' where it has none,
 * so no contact detail or history is dropped. Returns the survivor id.
 */
export function mergeCustomers(sqlite: Database, ids: readonly string[], now: number, reason: string): string {
  const rows = ids
    .map((id) => sqlite.query<MergeRow, [string]>(`SELECT id, created_at, ${PROFILE_FIELDS.join(', ')} FROM customers WHERE id = ?`).get(id))
    .filter((r): r is MergeRow => r !== null)
    .sort((a, b) => a.created_at - b.created_at || (a.id < b.id ? -1 : 1));
  const survivor = rows[0];
  if (!survivor) throw new Error('mergeCustomers: no such customers');
  for (const loser of rows.slice(1)) {
    for (const table of ['identity_links', 'transactions', 'loyalty_ledger', 'customer_events', 'actions'] as const) {
      sqlite.query(`UPDATE ${table} SET customer_id = ? WHERE customer_id = ?`).run(survivor.id, loser.id);
    }
    const filled: Array<(typeof PROFILE_FIELDS)[number]> = [];
    for (const f of PROFILE_FIELDS) {
      if (survivor[f] === null && loser[f] !== null) {
        (survivor as unknown as Record<string, unknown>)[f] = loser[f];
        filled.push(f);
      }
    }
    if (filled.length > 0) {
      sqlite
        .query(`UPDATE customers SET ${filled.map((f) => `${f} = ?`).join(', ')}, updated_at = ? WHERE id = ?`)
        .run(...filled.map((f) => survivor[f]), now, survivor.id);
    }
    sqlite.query('UPDATE customers SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?').run(survivor.id, now, loser.id, loser.id);
    sqlite.query('DELETE FROM customer_stats WHERE customer_id = ?').run(loser.id);
    sqlite.query('DELETE FROM customer_months WHERE customer_id = ?').run(loser.id);
    const loserPoints = sqlite.query<{ balance: number }, [string]>('SELECT balance FROM customer_points WHERE customer_id = ?').get(loser.id);
    if (loserPoints) {
      sqlite.query('DELETE FROM customer_points WHERE customer_id = ?').run(loser.id);
      sqlite
        .query('INSERT INTO customer_points (customer_id, balance, next_expiry_at) VALUES (?, ?, 0) ON CONFLICT (customer_id) DO UPDATE SET balance = balance + excluded.balance, next_expiry_at = 0')
        .run(survivor.id, loserPoints.balance);
    }
    moveLifecycleHistory(sqlite, loser.id, survivor.id);
    recordEvent(sqlite, survivor.id, 'merged', now, { merged_id: loser.id, reason, fields_taken: filled });
  }
  recomputeCustomerStats(sqlite, survivor.id);
  return survivor.id;
}
