import { eq, sql } from 'drizzle-orm';
import { applyPush, type CentralPushTx, type PushOutcome } from '../../sync/central/apply-push.ts';
import { applyIdentityBatch } from '../../sync/central/batch-identity.ts';
import type { IdentityEffects } from '../../sync/central/chain-identity.ts';
import type { PushBatch, WireChange } from '../../sync/protocol.ts';
import type { CentralDb, CentralTx } from './central-db.ts';
import { chainIdentityStore, enqueueForStores, lockChainIdentity, touchGlobals } from './chain-identity-store.ts';
import { profileMerge } from './profile-fields-store.ts';
import { PushTimings } from './push-timings.ts';
import { chainTransactions, stores } from './schema.ts';

/**
 * A batch's changes as they are kept (store_changes), in one statement whatever its size: the facts travel as ONE
 * text parameter, a line each, split by PostgreSQL (JSON.stringify never writes a raw newline: it escapes them).
 * Measured against a text[] parameter of the same facts: about half the time, the array's escaping of every
 * quote being the difference (bench:sync).
 */
async function insertChanges(tx: CentralTx, storeId: string, changes: readonly WireChange[], flags: { clockSkewMs: number | null; at: number }): Promise<void> {
  const seqs = changes.map((c) => c.seq).join(',');
  const kinds = changes.map((c) => c.kind).join(',');
  const facts = changes.map((c) => JSON.stringify(c.fact)).join('\n');
  await tx.execute(sql`
    INSERT INTO store_changes (store_id, seq, kind, fact, received_at, skew_flagged)
    SELECT ${storeId}, s::bigint, k, f::jsonb, ${flags.at}, ${flags.clockSkewMs !== null}
      FROM unnest(string_to_array(${seqs}::text, ','), string_to_array(${kinds}::text, ','), string_to_array(${facts}::text, E'\n')) AS w(s, k, f)`);
}

/** The batch's sales and returns (chain_transactions), one statement likewise. */
async function insertTransactions(tx: CentralTx, storeId: string, changes: readonly WireChange[]): Promise<void> {
  const sales = changes.flatMap((c) => (c.kind === 'transaction' ? [c.fact] : []));
  if (sales.length === 0) return;
  const column = <T>(pick: (f: (typeof sales)[number]) => T) => sql.param(sales.map((f) => (pick(f) === null ? null : String(pick(f)))));
  await tx.execute(sql`
    INSERT INTO chain_transactions (store_id, id, kind, occurred_at, total, store_customer_id, line_count, tax, tax_included)
    SELECT ${storeId}, i, k, o::bigint, t::bigint, c, n::int, x::bigint, xi::int
      FROM unnest(${column((f) => f.id)}::text[], ${column((f) => f.kind)}::text[], ${column((f) => f.occurred_at)}::text[], ${column((f) => f.total)}::text[],
                  ${column((f) => f.recorded_customer_id)}::text[], ${column((f) => f.line_count)}::text[],
                  ${column((f) => f.tax)}::text[], ${column((f) => f.tax_included)}::text[]) AS w(i, k, o, t, c, n, x, xi)`);
}

function pushTx(tx: CentralTx, timings: PushTimings): CentralPushTx {
  return {
    async cursor(storeId) {
      // FOR UPDATE: a second push of the same store waits here until this one commits, then sees its cursor.
      const row = await tx.select({ cursor: stores.cursor }).from(stores).where(eq(stores.id, storeId)).for('update');
      if (!row[0]) throw new Error(`store ${storeId} is not registered`);
      return row[0].cursor;
    },
    async apply(storeId, changes, flags) {
      // Held to COMMIT: outbox ids are then committed in id order, so a store pulling after an id never
      // misses a row that another push was still writing, and two stores never race for one identifier.
      const stamp = await timings.time('lock', () => lockChainIdentity(tx, flags.at));
      await timings.time('changes', () => insertChanges(tx, storeId, changes, flags));
      await timings.time('transactions', () => insertTransactions(tx, storeId, changes));
      // Last-writer-wins profile fields (profile-fields-store.ts): merges of global customers unite their fields.
      const profiles = profileMerge(tx, flags.at);
      const effects: IdentityEffects = { touched: new Set(), erased: new Set() };
      await timings.time('identity', () => applyIdentityBatch(profiles.watching(chainIdentityStore(tx, flags.at, stamp)), storeId, changes, effects));
      await timings.time('outbox', () => enqueueForStores(tx, effects, flags.at));
      await timings.time('profiles', () => profiles.apply(storeId, changes, flags.clockSkewMs !== null));
      await timings.time('touch', () => touchGlobals(tx, effects.touched, stamp));
    },
    async recordPush(storeId, push) {
      await tx.update(stores).set({ cursor: push.cursor, lastPushAt: push.at, clockSkewMs: push.clockSkewMs }).where(eq(stores.id, storeId));
    },
  };
}

/** One push, applied in one PostgreSQL transaction: all of its new changes, or none. */
export function applyStorePush(db: CentralDb, batch: PushBatch, now: number, maxSkewMs: number, timings = new PushTimings()): Promise<PushOutcome> {
  return db.transaction((tx) => applyPush(pushTx(tx, timings), batch, now, maxSkewMs));
}

/** Per store: transactions, and their signed total in minor units. */
export async function chainTotals(db: CentralDb): Promise<{ storeId: string; transactions: number; total: number }[]> {
  return db
    .select({ storeId: chainTransactions.storeId, transactions: sql<number>`count(*)::int`, total: sql<number>`coalesce(sum(${chainTransactions.total}), 0)::bigint` })
    .from(chainTransactions)
    .groupBy(chainTransactions.storeId)
    .orderBy(chainTransactions.storeId)
    .then((rows) => rows.map((r) => ({ ...r, total: Number(r.total) })));
}
