import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import type { Basket, CustomerHistory } from '../scoring/history.ts';
import type { CentralDb } from './central-db.ts';
import { globalCustomers, storeChanges, storeCustomers } from './schema.ts';

/*
 * The chain's customer histories for training at central: one history per global customer, made of every
 * store's transactions of the store customers that are that person, the same shape a store builds from its
 * own facts (server/scoring/serving/db-history.ts): voided lines and lines without a SKU are not items,
 * returns are baskets with isReturn and a negative total, only facts at or before `asOf`. Erased customers
 * are left out. Read in keyset pages over store_changes' key (store_id, seq), so no page holds more than
 * `pageSize` transactions and no statement stays open between pages.
 */

interface WireLine {
  sku: string | null;
  quantity_milli: number;
  amount: number | null;
  void: 0 | 1;
}

const PAGE_SIZE = 5000;

export async function chainHistories(db: CentralDb, asOf: number, pageSize = PAGE_SIZE): Promise<Map<string, CustomerHistory>> {
  const baskets = new Map<string, (Basket & { txKey: string })[]>();
  const fact = storeChanges.fact;
  const occurredAt = sql<number>`(${fact}->>'occurred_at')::bigint`;
  let after: { storeId: string; seq: number } | null = null;
  for (;;) {
    const rows: { storeId: string; seq: number; globalId: string; txId: string; kind: string; occurredAt: number; total: number; lines: string }[] = await db
      .select({
        storeId: storeChanges.storeId,
        seq: storeChanges.seq,
        // A global customer merged into another counts as the one it was merged into.
        globalId: sql<string>`coalesce(${globalCustomers.mergedInto}, ${globalCustomers.globalId})`,
        txId: sql<string>`${fact}->>'id'`,
        kind: sql<string>`${fact}->>'kind'`,
        occurredAt: sql<number>`${occurredAt}`.mapWith(Number),
        total: sql<number>`(${fact}->>'total')::bigint`.mapWith(Number),
        // As text: PGlite and Bun's PostgreSQL client hand jsonb back differently.
        lines: sql<string>`(${fact}->'lines')::text`,
      })
      .from(storeChanges)
      .innerJoin(storeCustomers, and(eq(storeCustomers.storeId, storeChanges.storeId), eq(storeCustomers.customerId, sql`${fact}->>'recorded_customer_id'`)))
      .innerJoin(globalCustomers, eq(globalCustomers.globalId, storeCustomers.globalId))
      .where(
        and(
          eq(storeChanges.kind, 'transaction'),
          sql`${occurredAt} <= ${asOf}::bigint`,
          isNull(globalCustomers.erasedAt),
          after === null ? undefined : sql`(${storeChanges.storeId}, ${storeChanges.seq}) > (${after.storeId}::text, ${after.seq}::bigint)`,
        ),
      )
      .orderBy(asc(storeChanges.storeId), asc(storeChanges.seq))
      .limit(pageSize);
    for (const r of rows) {
      let list = baskets.get(r.globalId);
      if (!list) baskets.set(r.globalId, (list = []));
      const items = (JSON.parse(r.lines) as WireLine[])
        .filter((l) => l.void === 0 && l.sku !== null)
        .map((l) => ({ sku: l.sku!, quantityMilli: l.quantity_milli, amountMinor: l.amount }));
      list.push({ txKey: `${r.storeId}/${r.txId}`, at: r.occurredAt, amountMinor: r.total, items, isReturn: r.kind === 'return' });
    }
    const last = rows.at(-1);
    if (!last || rows.length < pageSize) break;
    after = { storeId: last.storeId, seq: Number(last.seq) };
  }
  const histories = new Map<string, CustomerHistory>();
  for (const [customerId, list] of baskets) {
    // Stores' baskets interleave in time: in time order, ties by store and transaction so training is repeatable.
    list.sort((a, b) => a.at - b.at || (a.txKey < b.txKey ? -1 : a.txKey > b.txKey ? 1 : 0));
    histories.set(customerId, { customerId, baskets: list.map(({ txKey: _, ...basket }) => basket) });
  }
  return histories;
}
