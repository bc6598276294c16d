import { and, eq, inArray, sql } from 'drizzle-orm';
import type { ChainIdentityPort, IdentityEffects } from '../../sync/central/chain-identity.ts';
import { newId } from '../kernel/ids.ts';
import type { CentralTx } from './central-db.ts';
import { globalCustomers, globalIdentifiers, storeCustomers, storeOutbox } from './schema.ts';

/** Central's identity tables as the chain identity rules use them (sync/central/chain-identity.ts). */
export function chainIdentityPort(tx: CentralTx, now: number): ChainIdentityPort {
  return {
    async globalOf(storeId, customerId) {
      const rows = await tx
        .select({ g: storeCustomers.globalId })
        .from(storeCustomers)
        .where(and(eq(storeCustomers.storeId, storeId), eq(storeCustomers.customerId, customerId)));
      return rows[0]?.g ?? null;
    },
    async newGlobal() {
      const id = `G${newId(now)}`;
      await tx.insert(globalCustomers).values({ globalId: id, createdAt: now });
      return id;
    },
    async attach(storeId, customerId, globalId) {
      await tx.insert(storeCustomers).values({ storeId, customerId, globalId });
    },
    async holderOf(kind, key) {
      const rows = await tx.select({ g: globalIdentifiers.globalId }).from(globalIdentifiers).where(and(eq(globalIdentifiers.kind, kind), eq(globalIdentifiers.digest, key)));
      return rows[0]?.g ?? null;
    },
    async hold(kind, key, globalId) {
      await tx.insert(globalIdentifiers).values({ kind, digest: key, globalId });
    },
    async mergeGlobals(from, into) {
      await tx.update(storeCustomers).set({ globalId: into }).where(eq(storeCustomers.globalId, from));
      await tx.update(globalIdentifiers).set({ globalId: into }).where(eq(globalIdentifiers.globalId, from));
      await tx.update(globalCustomers).set({ mergedInto: into }).where(sql`${globalCustomers.globalId} = ${from} OR ${globalCustomers.mergedInto} = ${from}`);
    },
    async erase(globalId) {
      await tx.update(globalCustomers).set({ erasedAt: now }).where(eq(globalCustomers.globalId, globalId));
      await tx.delete(globalIdentifiers).where(eq(globalIdentifiers.globalId, globalId));
    },
  };
}

/**
 * Tells the stores what a batch changed: to every store that knows an erased global customer, an erasure; to
 * every store that knows a touched global customer who is known at more than one store, the customer's global
 * id and chain-wide figures (visits = sales, spend = net of returns in minor units, the stores that know them,
 * the last purchase). A customer of one store only needs nothing from central: the store's own figures are
 * the chain's.
 */
export async function enqueueForStores(tx: CentralTx, effects: IdentityEffects, now: number): Promise<void> {
  const erased = [...effects.erased];
  if (erased.length > 0) {
    const known = await tx.select().from(storeCustomers).where(inArray(storeCustomers.globalId, erased));
    if (known.length > 0) {
      await tx.insert(storeOutbox).values(known.map((k) => ({ storeId: k.storeId, kind: 'erasure', payload: { customer_id: k.customerId, global_id: k.globalId }, createdAt: now })));
    }
  }
  const touched = [...effects.touched];
  if (touched.length === 0) return;
  await tx.execute(sql`
    WITH stats AS (
      SELECT s.global_id,
             count(t.id) FILTER (WHERE t.kind = 'sale') AS visits,
             coalesce(sum(t.total), 0) AS spend,
             max(t.occurred_at) FILTER (WHERE t.kind = 'sale') AS last_purchase_at,
             array_agg(DISTINCT s.store_id ORDER BY s.store_id) AS stores
      FROM store_customers s
      LEFT JOIN chain_transactions t ON t.store_id = s.store_id AND t.store_customer_id = s.customer_id
      WHERE s.global_id = ANY(${sql.param(touched)}::text[])
      GROUP BY s.global_id
      HAVING count(DISTINCT s.store_id) > 1
    )
    INSERT INTO store_outbox (store_id, kind, payload, created_at)
    SELECT s.store_id, 'customer',
           jsonb_build_object('customer_id', s.customer_id, 'global_id', s.global_id, 'visits', st.visits, 'spend', st.spend,
                              'stores', to_jsonb(st.stores), 'last_purchase_at', st.last_purchase_at),
           ${now}
    FROM store_customers s JOIN stats st ON st.global_id = s.global_id`);
}
