import { count, eq } from 'drizzle-orm';
import type { CentralDb } from './central-db.ts';
import { chainIdentityPort, enqueueForStores, lockChainIdentity } from './chain-identity-store.ts';
import { globalCustomers, storeCustomers } from './schema.ts';

export type HqErasureOutcome =
  | { status: 'erased'; globalId: string; erasedAt: number; notified: number }
  | { status: 'unknown' }
  | { status: 'already_erased'; globalId: string; erasedAt: number };

/**
 * Erases a global customer at headquarters' request as a store's erasure does (chain-identity-store's erase:
 * identifiers dropped, erased_at set) and queues an erasure for every store customer they are (enqueueForStores),
 * which each store applies at its next pull. A merged-away id erases the survivor. One transaction, under the
 * chain identity lock as a push, so the outbox stays in commit order.
 */
export function eraseGlobalCustomer(db: CentralDb, globalId: string, now: number): Promise<HqErasureOutcome> {
  return db.transaction(async (tx): Promise<HqErasureOutcome> => {
    const stamp = await lockChainIdentity(tx, now);
    const found = await tx.select({ mergedInto: globalCustomers.mergedInto }).from(globalCustomers).where(eq(globalCustomers.globalId, globalId));
    if (!found[0]) return { status: 'unknown' };
    const id = found[0].mergedInto ?? globalId;
    const [row] = await tx.select({ erasedAt: globalCustomers.erasedAt }).from(globalCustomers).where(eq(globalCustomers.globalId, id));
    if (row?.erasedAt != null) return { status: 'already_erased', globalId: id, erasedAt: row.erasedAt };
    await chainIdentityPort(tx, now, stamp).erase(id);
    await enqueueForStores(tx, { touched: new Set(), erased: new Set([id]) }, now);
    const [known] = await tx.select({ n: count() }).from(storeCustomers).where(eq(storeCustomers.globalId, id));
    return { status: 'erased', globalId: id, erasedAt: now, notified: known?.n ?? 0 };
  });
}
