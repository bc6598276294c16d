import { and, asc, eq, gte, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { HqProfile } from '../contract/hq.ts';
import { AppError } from '../kernel/errors.ts';
import { type LifecycleRules, lifecycleFacts, RECENT_PURCHASES, stageAt } from '../lifecycle/lifecycle-rules.ts';
import type { CentralDb } from './central-db.ts';
import { chainTransactions, globalCustomers, storeCustomers } from './schema.ts';

/*
 * Headquarters' view of a global customer: what central can derive from the facts stores pushed. Chain stats
 * come from every store's transactions of every store customer the global customer is; the stage is the
 * store's own rule (server/lifecycle) over the chain's sales. Central cannot link a return to its sale (the
 * wire has no such link in chain_transactions), so every sale counts as a purchase there.
 */

/** Where a page ends: the last customer's (updated_at, global_id), the keyset HQ pages by. */
export interface ProfileKey {
  updatedAt: number;
  globalId: string;
}

export function encodeCursor(k: ProfileKey): string {
  return Buffer.from(`${k.updatedAt}.${k.globalId}`, 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string): ProfileKey {
  const m = /^(\d{1,16})\.(\S{1,64})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw new AppError(422, 'validation_failed', 'the query is not valid', [{ path: 'cursor', message: 'a next_cursor of an earlier page' }]);
  return { updatedAt: Number(m[1]), globalId: m[2]! };
}

interface GlobalRow {
  globalId: string;
  createdAt: number;
  updatedAt: number;
  erasedAt: number | null;
}

const globalColumns = { globalId: globalCustomers.globalId, createdAt: globalCustomers.createdAt, updatedAt: globalCustomers.updatedAt, erasedAt: globalCustomers.erasedAt };

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Live (not merged-away) global customers after `after`, changed at or after `since`, by (updated_at, global_id). */
async function pageOfGlobals(db: CentralDb, q: { since: number | null; after: ProfileKey | null; limit: number }): Promise<GlobalRow[]> {
  return db
    .select(globalColumns)
    .from(globalCustomers)
    .where(
      and(
        isNull(globalCustomers.mergedInto),
        q.since === null ? undefined : gte(globalCustomers.updatedAt, q.since),
        q.after === null ? undefined : sql`(${globalCustomers.updatedAt}, ${globalCustomers.globalId}) > (${q.after.updatedAt}::bigint, ${q.after.globalId}::text)`,
      ),
    )
    .orderBy(asc(globalCustomers.updatedAt), asc(globalCustomers.globalId))
    .limit(q.limit);
}

/** Chain stats of live customers, by global id. */
async function chainStats(db: CentralDb, ids: string[]) {
  const isSale = sql`${chainTransactions.kind} = 'sale'`;
  const query = db
    .select({
      globalId: storeCustomers.globalId,
      stores: sql<string>`string_agg(DISTINCT ${storeCustomers.storeId}, ',' ORDER BY ${storeCustomers.storeId})`,
      visits: sql<number>`(count(${chainTransactions.id}) FILTER (WHERE ${isSale}))::int`,
      returns: sql<number>`(count(${chainTransactions.id}) FILTER (WHERE ${chainTransactions.kind} = 'return'))::int`,
      spend: sql<number>`coalesce(sum(${chainTransactions.total}), 0)::float8`,
      first: sql<number | null>`(min(${chainTransactions.occurredAt}) FILTER (WHERE ${isSale}))::float8`,
      last: sql<number | null>`(max(${chainTransactions.occurredAt}) FILTER (WHERE ${isSale}))::float8`,
    })
    .from(storeCustomers)
    .leftJoin(chainTransactions, and(eq(chainTransactions.storeId, storeCustomers.storeId), eq(chainTransactions.storeCustomerId, storeCustomers.customerId)))
    .where(inArray(storeCustomers.globalId, ids))
    .groupBy(storeCustomers.globalId);
  const rows = ids.length === 0 ? [] : await query;
  return new Map(rows.map((r) => [r.globalId, r]));
}

/** Per customer: the first two and the last RECENT_PURCHASES sale times, ascending (what the lifecycle rules read). */
async function purchaseTimes(db: CentralDb, ids: string[]): Promise<Map<string, { first: number[]; recent: number[] }>> {
  const out = new Map<string, { first: number[]; recent: number[] }>();
  if (ids.length === 0) return out;
  const sales = db
    .select({
      globalId: sql<string>`${storeCustomers.globalId}`.as('global_id'),
      at: sql<number>`${chainTransactions.occurredAt}::float8`.as('at'),
      fromStart: sql<number>`(row_number() OVER (PARTITION BY ${storeCustomers.globalId} ORDER BY ${chainTransactions.occurredAt}))::int`.as('from_start'),
      fromEnd: sql<number>`(row_number() OVER (PARTITION BY ${storeCustomers.globalId} ORDER BY ${chainTransactions.occurredAt} DESC))::int`.as('from_end'),
    })
    .from(storeCustomers)
    .innerJoin(chainTransactions, and(eq(chainTransactions.storeId, storeCustomers.storeId), eq(chainTransactions.storeCustomerId, storeCustomers.customerId)))
    .where(and(inArray(storeCustomers.globalId, ids), eq(chainTransactions.kind, 'sale')))
    .as('sales');
  const rows = await db
    .select()
    .from(sales)
    .where(or(lte(sales.fromStart, 2), lte(sales.fromEnd, RECENT_PURCHASES)))
    .orderBy(asc(sales.globalId), asc(sales.at));
  for (const r of rows) {
    const times = out.get(r.globalId) ?? { first: [], recent: [] };
    if (r.fromStart <= 2) times.first.push(r.at);
    if (r.fromEnd <= RECENT_PURCHASES) times.recent.push(r.at);
    out.set(r.globalId, times);
  }
  return out;
}

/** The wire profiles of these customers, in the order given. */
async function profilesOf(db: CentralDb, rules: LifecycleRules, globals: GlobalRow[], now: number): Promise<HqProfile[]> {
  const live = globals.filter((g) => g.erasedAt === null).map((g) => g.globalId);
  const [stats, times] = await Promise.all([chainStats(db, live), purchaseTimes(db, live)]);
  return globals.map((g): HqProfile => {
    const base = { global_id: g.globalId, updated_at: iso(g.updatedAt)!, erased_at: iso(g.erasedAt), scores: null, tier: null };
    if (g.erasedAt !== null) return { ...base, stores: [], chain: null, stage: null };
    const s = stats.get(g.globalId);
    const t = times.get(g.globalId) ?? { first: [], recent: [] };
    const visits = s?.visits ?? 0;
    // Central's first sight of the customer stands for registration: it only matters before a first purchase.
    const facts = lifecycleFacts(rules, g.createdAt, { count: visits, first: t.first[0] ?? null, second: t.first[1] ?? null, recent: t.recent });
    const stage = stageAt(rules, facts, now);
    return {
      ...base,
      stores: s ? s.stores.split(',') : [],
      chain: { visits, returns: s?.returns ?? 0, spend_minor: s?.spend ?? 0, first_purchase_at: iso(s?.first ?? null), last_purchase_at: iso(s?.last ?? null) },
      stage: { stage: stage.stage, since: iso(stage.since)! },
    };
  });
}

/** One page of HQ's profiles; `next` is null when nothing came after it. */
export async function pageOfProfiles(
  db: CentralDb,
  rules: LifecycleRules,
  q: { since: number | null; after: ProfileKey | null; limit: number },
  now: number,
): Promise<{ items: HqProfile[]; next: ProfileKey | null }> {
  const globals = await pageOfGlobals(db, { ...q, limit: q.limit + 1 });
  const page = globals.slice(0, q.limit);
  const last = page.at(-1);
  const next = globals.length > q.limit && last ? { updatedAt: last.updatedAt, globalId: last.globalId } : null;
  return { items: await profilesOf(db, rules, page, now), next };
}

/** A global customer as it stands, following a merge to the survivor; null when central never had the id. */
export async function profileOf(db: CentralDb, rules: LifecycleRules, globalId: string, now: number): Promise<HqProfile | null> {
  const id = await survivorOf(db, globalId);
  if (id === null) return null;
  const rows = await db.select(globalColumns).from(globalCustomers).where(eq(globalCustomers.globalId, id));
  return rows[0] ? (await profilesOf(db, rules, rows, now))[0]! : null;
}

/** The id a global customer goes by now: itself, or the survivor it was merged into (merges keep one hop); null when unknown. */
export async function survivorOf(db: CentralDb, globalId: string): Promise<string | null> {
  const rows = await db.select({ mergedInto: globalCustomers.mergedInto }).from(globalCustomers).where(eq(globalCustomers.globalId, globalId));
  if (!rows[0]) return null;
  return rows[0].mergedInto ?? globalId;
}
