import type { Database } from 'bun:sqlite';
import { returnOwner } from '../db/fact-writer.ts';
import { unmergeIdentity } from '../identity/unmerge.ts';
import type { Actor } from '../kernel/actor.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { evaluateCustomerLifecycle } from '../lifecycle/lifecycle.service.ts';
import { recomputeBalance } from '../loyalty/loyalty.service.ts';
import { recomputeCustomerStats } from '../stats/customer-stats.service.ts';

/**
 * Undoes the merge of `aliasId` (inside the caller's transaction): identity records the unmerge (a fact) and
 * gives back its identifiers; the facts recorded for it (and for the aliases merged into it before) are owned
 * by it again, and both customers' points, stats and lifecycle are recomputed from the facts they own. Shown
 * actions and stage history that moved at the merge stay with the survivor.
 */
export function unmergeCustomer(sqlite: Database, lifecycle: LifecycleRules, aliasId: string, now: number, by: Actor | null) {
  const { survivorId, customerIds } = unmergeIdentity(sqlite, aliasId, now, by);
  returnOwner(sqlite, customerIds, survivorId, aliasId);
  for (const id of [aliasId, survivorId]) {
    recomputeBalance(sqlite, id);
    recomputeCustomerStats(sqlite, id);
    evaluateCustomerLifecycle(sqlite, lifecycle, id, now);
  }
  return { id: aliasId, unmerged_from: survivorId, customer_ids: customerIds };
}
