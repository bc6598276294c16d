import type { Database } from 'bun:sqlite';
import { moveActions } from '../actions/actions.service.ts';
import { reassignOwner } from '../db/fact-writer.ts';
import { createCustomer, findCustomerByIdentifier, linkIdentifier, mergeIdentity, mergeOrder } from '../identity/identity.service.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import { moveLifecycleHistory } from '../lifecycle/lifecycle.service.ts';
import { movePoints } from '../loyalty/loyalty.service.ts';
import { forgetCustomerStats, recomputeCustomerStats } from '../stats/customer-stats.service.ts';

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

/**
 * Merges customers into the oldest one (ties by id), each domain through its own function: identity records
 * the merge (a fact) and moves identifiers and profile gaps; the facts' owner moves to the survivor; points,
 * actions, stats and lifecycle history follow. No history is dropped. Returns the survivor id.
 */
export function mergeCustomers(sqlite: Database, ids: readonly string[], now: number, reason: string): string {
  const [survivor, ...losers] = mergeOrder(sqlite, ids);
  if (!survivor) throw new Error('mergeCustomers: no such customers');
  for (const loser of losers) {
    mergeIdentity(sqlite, survivor, loser, now, reason);
    reassignOwner(sqlite, loser.id, survivor.id);
    moveActions(sqlite, loser.id, survivor.id);
    forgetCustomerStats(sqlite, loser.id);
    movePoints(sqlite, loser.id, survivor.id);
    moveLifecycleHistory(sqlite, loser.id, survivor.id);
  }
  recomputeCustomerStats(sqlite, survivor.id);
  return survivor.id;
}
