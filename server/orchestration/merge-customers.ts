import type { Database } from 'bun:sqlite';
import { moveActions } from '../actions/actions.service.ts';
import { reassignOwner } from '../db/fact-writer.ts';
import type { IdentifierKind } from '../contract/enums.ts';
import { byPrecedence, precedenceRank } from '../identity/identifier-precedence.ts';
import { createCustomer, findCustomerByIdentifier, isRegistered, linkIdentifier, mergeIdentity, mergeRows, unlinkAll } from '../identity/identity.service.ts';
import { decideMergeSuggestion, fileMergeSuggestion } from '../identity/merge-suggestions.ts';
import { liveCustomerId } from '../identity/customer-write.service.ts';
import type { MergeDecision } from '../contract/merge.ts';
import type { Actor } from '../kernel/actor.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import { evaluateCustomerLifecycle, moveLifecycleHistory } from '../lifecycle/lifecycle.service.ts';
import { movePoints } from '../loyalty/loyalty.service.ts';
import { forgetCustomerStats, recomputeCustomerStats } from '../stats/customer-stats.service.ts';

/**
 * The customer a POS transaction names (DESIGN §5; README "Identity"). A till must not take over a customer:
 * - none known: a new shadow customer holding them all;
 * - the sale goes to the customer of the strongest identifier named (card > member id > external id > phone >
 *   email), registered or shadow; when one kind names several, a registered one first;
 * - a shadow named beside a registered sale customer is folded into it only when nothing naming the shadow is
 *   stronger than what names the customer (always so, since the customer holds the strongest identifier), and
 *   loses ALL its identifiers first: POS data never adds an identifier of any kind to a registered customer;
 * - shadows named beside a shadow sale customer are folded into it (POS data may grow a shadow);
 * - every registered customer named beside the sale's customer is NOT merged: a merge suggestion is filed;
 * - unknown identifiers are linked to a shadow sale customer only.
 */
export function resolveCustomer(sqlite: Database, refs: readonly IdentifierRef[], storeId: string, now: number, txId: string | null = null): string {
  const named = new Map<string, IdentifierKind[]>();
  const unknown: IdentifierRef[] = [];
  for (const ref of byPrecedence(refs)) {
    const id = findCustomerByIdentifier(sqlite, ref);
    if (id) named.set(id, [...(named.get(id) ?? []), ref.kind]);
    else unknown.push(ref);
  }
  if (named.size === 0) {
    const id = createCustomer(sqlite, storeId, now, 'transaction');
    for (const ref of unknown) linkIdentifier(sqlite, id, ref, now);
    return id;
  }
  const customers = [...named].map(([id, kinds]) => ({ id, kinds, rank: precedenceRank(kinds[0]!), registered: isRegistered(sqlite, id) }));
  const top = Math.min(...customers.map((c) => c.rank));
  const chosen = customers.find((c) => c.rank === top && c.registered) ?? customers.find((c) => c.rank === top)!;
  const others = customers.filter((c) => c.id !== chosen.id);
  const shadows = others.filter((c) => !c.registered).map((c) => c.id);
  if (shadows.length > 0) {
    if (chosen.registered) for (const s of shadows) unlinkAll(sqlite, s, now, 'folded_into_registered');
    mergeCustomers(sqlite, chosen.id, shadows, now, 'transaction');
  }
  for (const other of others.filter((c) => c.registered)) fileMergeSuggestion(sqlite, { customerId: chosen.id, otherId: other.id, kinds: other.kinds, txId }, now);
  if (!chosen.registered) for (const ref of unknown) linkIdentifier(sqlite, chosen.id, ref, now);
  return chosen.id;
}

/**
 * Merges customers into `survivorId`, each domain through its own function: identity records the merge (a fact)
 * and moves identifiers and profile gaps; the facts' owner moves to the survivor; points, actions, stats and
 * lifecycle history follow. No history is dropped. `extra` goes into each `merged` event.
 */
export function mergeCustomers(sqlite: Database, survivorId: string, loserIds: readonly string[], now: number, reason: string, extra: Record<string, unknown> = {}): string {
  const [survivor, ...losers] = mergeRows(sqlite, [survivorId, ...loserIds.filter((id) => id !== survivorId)]);
  if (survivor?.id !== survivorId) throw new Error('mergeCustomers: no such survivor');
  for (const loser of losers) {
    mergeIdentity(sqlite, survivor, loser, now, reason, extra);
    reassignOwner(sqlite, loser.id, survivor.id);
    moveActions(sqlite, loser.id, survivor.id);
    forgetCustomerStats(sqlite, loser.id);
    movePoints(sqlite, loser.id, survivor.id);
    moveLifecycleHistory(sqlite, loser.id, survivor.id);
  }
  recomputeCustomerStats(sqlite, survivor.id);
  return survivor.id;
}

/**
 * A manager approves a suggestion: the other customer is merged into the sale's customer, or the sale's customer
 * into the other when only the other is registered (both must still be live: 404/410 otherwise, and the caller
 * rolls back). Already one since (another merge), nothing more is merged.
 */
export function approveMergeSuggestion(sqlite: Database, lifecycle: LifecycleRules, id: string, now: number, by: Actor | null): MergeDecision {
  const suggestion = decideMergeSuggestion(sqlite, id, 'approved', by, now);
  const saleCustomer = liveCustomerId(sqlite, suggestion.customer_id);
  const named = liveCustomerId(sqlite, suggestion.other_customer_id);
  // A shadow that got the sale (named by something stronger) goes into the registered customer, who keeps her id.
  const [survivor, other] = !isRegistered(sqlite, saleCustomer) && isRegistered(sqlite, named) ? [named, saleCustomer] : [saleCustomer, named];
  if (other !== survivor) {
    mergeCustomers(sqlite, survivor, [other], now, 'suggestion', { suggestion_id: suggestion.id, by });
    evaluateCustomerLifecycle(sqlite, lifecycle, survivor, now);
  }
  return { suggestion, customer_id: survivor };
}
