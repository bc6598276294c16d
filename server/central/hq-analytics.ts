import { and, eq, gte, isNull, lt, sql } from 'drizzle-orm';
import type { HqStoreAnalytics } from '../contract/hq.ts';
import { revenueIncludesTax, type TaxCounts } from '../kernel/revenue-includes-tax.ts';
import type { CentralDb } from './central-db.ts';
import { chainTransactions, globalCustomers, storeCustomers } from './schema.ts';
import { listStores } from './store-registry.ts';

/*
 * The chain's figures per store and chain-wide, from what the stores pushed: transactions in the period, and
 * customers as they are now (live chain customers, each known at one or more stores).
 */

interface Figures {
  transactions: number;
  sales: number;
  returns: number;
  revenue_minor: number;
  tax_minor: number;
  revenue_includes_tax: boolean | null;
  tax_unknown_transactions: number;
  identified_share: number | null;
  customers: number;
  multi_store_customers: number;
}

type TxFigures = { transactions: number; sales: number; returns: number; revenue: number; identifiedSales: number; tax: number } & TaxCounts;

const NO_TX: TxFigures = { transactions: 0, sales: 0, returns: 0, revenue: 0, identifiedSales: 0, tax: 0, known: 0, included: 0, onTop: 0, unknown: 0 };

function figures(t: TxFigures, customers: { customers: number; multi: number }): Figures {
  return {
    transactions: t.transactions,
    sales: t.sales,
    returns: t.returns,
    revenue_minor: t.revenue,
    tax_minor: t.tax,
    revenue_includes_tax: revenueIncludesTax(t),
    tax_unknown_transactions: t.unknown,
    identified_share: t.sales === 0 ? null : t.identifiedSales / t.sales,
    customers: customers.customers,
    multi_store_customers: customers.multi,
  };
}

async function transactionFigures(db: CentralDb, period: { from: number | null; to: number | null }) {
  return db
    .select({
      storeId: chainTransactions.storeId,
      transactions: sql<number>`count(*)::int`,
      sales: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.kind} = 'sale'))::int`,
      returns: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.kind} = 'return'))::int`,
      revenue: sql<number>`coalesce(sum(${chainTransactions.total}), 0)::float8`,
      identifiedSales: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.kind} = 'sale' AND ${chainTransactions.storeCustomerId} IS NOT NULL))::int`,
      // Tax is stored as a magnitude: a return's subtracts. See revenueIncludesTax for the counts.
      tax: sql<number>`coalesce(sum(CASE WHEN ${chainTransactions.kind} = 'return' THEN -${chainTransactions.tax} ELSE ${chainTransactions.tax} END), 0)::float8`,
      known: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.tax} IS NOT NULL))::int`,
      included: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.tax} > 0 AND ${chainTransactions.taxIncluded} = 1))::int`,
      onTop: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.tax} > 0 AND ${chainTransactions.taxIncluded} = 0))::int`,
      unknown: sql<number>`(count(*) FILTER (WHERE ${chainTransactions.tax} IS NULL))::int`,
    })
    .from(chainTransactions)
    .where(
      and(
        period.from === null ? undefined : gte(chainTransactions.occurredAt, period.from),
        period.to === null ? undefined : lt(chainTransactions.occurredAt, period.to),
      ),
    )
    .groupBy(chainTransactions.storeId);
}

/** Per store (and chain-wide, store id null): live chain customers known there, and how many of them elsewhere too. */
async function customerFigures(db: CentralDb) {
  const reach = db
    .select({ globalId: sql<string>`${storeCustomers.globalId}`.as('reach_global_id'), stores: sql<number>`count(DISTINCT ${storeCustomers.storeId})::int`.as('stores') })
    .from(storeCustomers)
    .innerJoin(globalCustomers, and(eq(globalCustomers.globalId, storeCustomers.globalId), isNull(globalCustomers.erasedAt)))
    .groupBy(storeCustomers.globalId)
    .as('reach');
  const perStore = await db
    .select({
      storeId: storeCustomers.storeId,
      customers: sql<number>`count(DISTINCT ${storeCustomers.globalId})::int`,
      multi: sql<number>`(count(DISTINCT ${storeCustomers.globalId}) FILTER (WHERE ${reach.stores} > 1))::int`,
    })
    .from(storeCustomers)
    .innerJoin(reach, eq(reach.globalId, storeCustomers.globalId))
    .groupBy(storeCustomers.storeId);
  const [chain] = await db.select({ customers: sql<number>`count(*)::int`, multi: sql<number>`(count(*) FILTER (WHERE ${reach.stores} > 1))::int` }).from(reach);
  return { perStore: new Map(perStore.map((r) => [r.storeId, r])), chain: chain ?? { customers: 0, multi: 0 } };
}

export async function hqStoreAnalytics(db: CentralDb, period: { from: number | null; to: number | null }, now: number): Promise<HqStoreAnalytics> {
  const [stores, tx, customers] = await Promise.all([listStores(db), transactionFigures(db, period), customerFigures(db)]);
  const txBy = new Map(tx.map((r) => [r.storeId, r]));
  const total = tx.reduce<TxFigures>(
    (sum, r) => ({
      transactions: sum.transactions + r.transactions,
      sales: sum.sales + r.sales,
      returns: sum.returns + r.returns,
      revenue: sum.revenue + r.revenue,
      identifiedSales: sum.identifiedSales + r.identifiedSales,
      tax: sum.tax + r.tax,
      known: sum.known + r.known,
      included: sum.included + r.included,
      onTop: sum.onTop + r.onTop,
      unknown: sum.unknown + r.unknown,
    }),
    NO_TX,
  );
  const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
  return {
    period: { from: iso(period.from), to: iso(period.to) },
    stores: stores.map((s) => ({
      store_id: s.id,
      name: s.name,
      revoked: s.revokedAt !== null,
      cursor: s.cursor,
      last_push_at: iso(s.lastPushAt),
      lag_s: s.lastPushAt === null ? null : Math.max(0, Math.round((now - s.lastPushAt) / 1000)),
      ...figures(txBy.get(s.id) ?? NO_TX, customers.perStore.get(s.id) ?? { customers: 0, multi: 0 }),
    })),
    chain: figures(total, customers.chain),
    as_of: new Date(now).toISOString(),
  };
}
