import { and, eq, inArray, max, sql } from 'drizzle-orm';
import { type ChainIdentityStore, identifierKey } from '../../sync/central/batch-identity.ts';
import type { ChainIdentityPort, IdentityEffects } from '../../sync/central/chain-identity.ts';
import { newId } from '../kernel/ids.ts';
import type { CentralTx } from './central-db.ts';
import { forgetProfileFields } from './profile-fields-store.ts';
import { globalCustomers, globalIdentifiers, storeCustomers, storeOutbox } from './schema.ts';

/** Serializes the chain-wide part of writes (identities, the stores' outbox, updated_at stamps) across stores and HQ. */
const CHAIN_IDENTITY_LOCK = 815_001;

/**
 * Takes the chain identity lock to COMMIT and answers the `updated_at` this transaction stamps on the global
 * customers it changes: `now`, or just after the latest stamp committed when the clock has not moved past it.
 * Commits under the lock are serial, so stamps grow in commit order and a reader paging by (updated_at,
 * global_id) never finds a row committed behind a cursor it already passed.
 */
export async function lockChainIdentity(tx: CentralTx, now: number): Promise<number> {
  await tx.execute(sql`SELECT pg_advisory_xact_lock(${CHAIN_IDENTITY_LOCK})`);
  const [latest] = await tx.select({ at: max(globalCustomers.updatedAt) }).from(globalCustomers);
  return Math.max(now, Number(latest?.at ?? 0) + 1);
}

/** Marks global customers changed at `stamp` (see lockChainIdentity). */
export async function touchGlobals(tx: CentralTx, globalIds: Iterable<string>, stamp: number): Promise<void> {
  const ids = [...new Set(globalIds)];
  if (ids.length > 0) await tx.update(globalCustomers).set({ updatedAt: stamp }).where(sql`${globalCustomers.globalId} = ANY(${sql.param(ids)}::text[])`);
}

/**
 * Central's identity tables as the chain identity rules use them (sync/central/chain-identity.ts), under the
 * chain identity lock; `stamp` is the lock's updated_at.
 */
export function chainIdentityPort(tx: CentralTx, now: number, stamp: number): ChainIdentityPort {
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
      await tx.insert(globalCustomers).values({ globalId: id, createdAt: now, updatedAt: stamp });
      return id;
    },
    async attach(storeId, customerId, globalId) {
      await tx.insert(storeCustomers).values({ storeId, customerId, globalId });
    },
    async reattach(storeId, customerId, globalId) {
      await tx
        .insert(storeCustomers)
        .values({ storeId, customerId, globalId })
        .onConflictDoUpdate({ target: [storeCustomers.storeId, storeCustomers.customerId], set: { globalId } });
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
      await tx.update(globalCustomers).set({ mergedInto: into, updatedAt: stamp }).where(sql`${globalCustomers.globalId} = ${from} OR ${globalCustomers.mergedInto} = ${from}`);
    },
    async erase(globalId) {
      await tx.update(globalCustomers).set({ erasedAt: now, updatedAt: stamp }).where(eq(globalCustomers.globalId, globalId));
      await tx.delete(globalIdentifiers).where(eq(globalIdentifiers.globalId, globalId));
      await scrubPersonalFacts(tx, globalId);
      await forgetProfileFields(tx, globalId);
    },
  };
}

/**
 * The same tables as the batched identity rules use them (sync/central/batch-identity.ts): a batch's store
 * customers and identifiers read with one statement each, its new rows written with one statement per table
 * (arrays unnested: a handful of parameters whatever the batch's size); merges and erasures as in the port above.
 */
export function chainIdentityStore(tx: CentralTx, now: number, stamp: number): ChainIdentityStore {
  const one = chainIdentityPort(tx, now, stamp);
  return {
    async globalsOf(storeId, customerIds) {
      if (customerIds.length === 0) return new Map();
      const rows = await tx
        .select({ c: storeCustomers.customerId, g: storeCustomers.globalId })
        .from(storeCustomers)
        .where(and(eq(storeCustomers.storeId, storeId), sql`${storeCustomers.customerId} = ANY(${sql.param(customerIds)}::text[])`));
      return new Map(rows.map((r) => [r.c, r.g]));
    },
    async holdersOf(identifiers) {
      if (identifiers.length === 0) return new Map();
      const kinds = sql.param(identifiers.map((i) => i.kind));
      const keys = sql.param(identifiers.map((i) => i.key));
      const rows = await tx
        .select({ kind: globalIdentifiers.kind, digest: globalIdentifiers.digest, g: globalIdentifiers.globalId })
        .from(globalIdentifiers)
        .where(sql`(${globalIdentifiers.kind}, ${globalIdentifiers.digest}) IN (SELECT * FROM unnest(${kinds}::text[], ${keys}::text[]))`);
      return new Map(rows.map((r) => [identifierKey(r.kind, r.digest), r.g]));
    },
    newGlobalId: () => `G${newId(now)}`,
    async insert(storeId, rows) {
      if (rows.globals.length > 0) {
        await tx.execute(sql`INSERT INTO global_customers (global_id, created_at, updated_at) SELECT g, ${now}, ${stamp} FROM unnest(${sql.param(rows.globals)}::text[]) AS g`);
      }
      if (rows.attached.length > 0) {
        await tx.execute(sql`
          INSERT INTO store_customers (store_id, customer_id, global_id)
          SELECT ${storeId}, c, g FROM unnest(${sql.param(rows.attached.map((a) => a.customerId))}::text[], ${sql.param(rows.attached.map((a) => a.globalId))}::text[]) AS w(c, g)`);
      }
      if (rows.held.length > 0) {
        await tx.execute(sql`
          INSERT INTO global_identifiers (kind, digest, global_id)
          SELECT k, d, g FROM unnest(${sql.param(rows.held.map((h) => h.kind))}::text[], ${sql.param(rows.held.map((h) => h.key))}::text[],
                                     ${sql.param(rows.held.map((h) => h.globalId))}::text[]) AS w(k, d, g)`);
      }
    },
    mergeGlobals: (from, into) => one.mergeGlobals(from, into),
    reattach: (storeId, customerId, globalId) => one.reattach(storeId, customerId, globalId),
    erase: (globalId) => one.erase(globalId),
  };
}

/**
 * Keys of a customer event's data that are personal (see server/identity/customer-view.ts): the stores tombstone
 * their own copies at an erasure, and central removes them from every event it was pushed for the customer
 * before. What stays says only what happened, to whom by id, and when.
 */
const PERSONAL_EVENT_KEYS = ['name', 'birthday', 'gender', 'value', 'digest', 'values', 'consent', 'survey_answer', 'note'];

async function scrubPersonalFacts(tx: CentralTx, globalId: string): Promise<void> {
  await tx.execute(sql`
    UPDATE store_changes c
       SET fact = jsonb_set(c.fact, '{data}', (c.fact->'data') - ${sql.param(PERSONAL_EVENT_KEYS)}::text[])
      FROM store_customers s
     WHERE s.global_id = ${globalId} AND c.store_id = s.store_id AND c.kind = 'event'
       AND c.fact->>'recorded_customer_id' = s.customer_id AND jsonb_typeof(c.fact->'data') = 'object'`);
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
    WITH shared AS (
      SELECT global_id FROM store_customers WHERE global_id = ANY(${sql.param(touched)}::text[])
      GROUP BY global_id HAVING count(DISTINCT store_id) > 1
    ),
    stats AS (
      SELECT s.global_id,
             count(t.id) FILTER (WHERE t.kind = 'sale') AS visits,
             coalesce(sum(t.total), 0) AS spend,
             max(t.occurred_at) FILTER (WHERE t.kind = 'sale') AS last_purchase_at,
             array_agg(DISTINCT s.store_id ORDER BY s.store_id) AS stores
      FROM store_customers s
      LEFT JOIN chain_transactions t ON t.store_id = s.store_id AND t.store_customer_id = s.customer_id
      WHERE s.global_id IN (SELECT global_id FROM shared)
      GROUP BY s.global_id
    )
    INSERT INTO store_outbox (store_id, kind, payload, created_at)
    SELECT s.store_id, 'customer',
           jsonb_build_object('customer_id', s.customer_id, 'global_id', s.global_id, 'visits', st.visits, 'spend', st.spend,
                              'stores', to_jsonb(st.stores), 'last_purchase_at', st.last_purchase_at),
           ${now}
    FROM store_customers s JOIN stats st ON st.global_id = s.global_id`);
}
