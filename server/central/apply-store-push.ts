import { eq, sql } from 'drizzle-orm';
import { applyPush, type CentralPushTx, type PushOutcome } from '../../sync/central/apply-push.ts';
import type { PushBatch, WireChange } from '../../sync/protocol.ts';
import { applyIdentityChange, type IdentityEffects } from '../../sync/central/chain-identity.ts';
import type { CentralDb, CentralTx } from './central-db.ts';
import { chainIdentityPort, enqueueForStores, lockChainIdentity, touchGlobals } from './chain-identity-store.ts';
import { PushTimings } from './push-timings.ts';
import { chainTransactions, storeChanges, stores } from './schema.ts';

/** Rows per INSERT: PostgreSQL binds at most 65,535 parameters in one statement. */
const CHUNK = 1000;

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
      const t0 = performance.now();
      for (let i = 0; i < changes.length; i += CHUNK) {
        const part = changes.slice(i, i + CHUNK);
        await tx.insert(storeChanges).values(
          part.map((c) => ({ storeId, seq: c.seq, kind: c.kind, fact: c.fact, receivedAt: flags.at, skewFlagged: flags.clockSkewMs !== null })),
        );
        const sales = part.flatMap((c: WireChange) => (c.kind === 'transaction' ? [c.fact] : []));
        if (sales.length > 0) {
          await tx.insert(chainTransactions).values(
            sales.map((f) => ({ storeId, id: f.id, kind: f.kind, occurredAt: f.occurred_at, total: f.total, storeCustomerId: f.recorded_customer_id, lineCount: f.line_count })),
          );
        }
      }
      timings.add('changes', performance.now() - t0);
      const identity = chainIdentityPort(tx, flags.at, stamp);
      const effects: IdentityEffects = { touched: new Set(), erased: new Set() };
      await timings.time('identity', async () => {
        for (const c of changes) await applyIdentityChange(identity, storeId, c, effects);
      });
      await timings.time('outbox', () => enqueueForStores(tx, effects, flags.at));
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
