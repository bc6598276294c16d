import type { Database } from 'bun:sqlite';
import { POPULAR_ITEMS_METRIC, withNames } from '../actions/action-context.ts';
import { expireActions } from '../actions/actions.service.ts';
import { getMetric, setMetric } from '../db/store-metrics.ts';
import { DAY_MS } from '../kernel/clock.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import { expireDuePoints } from '../loyalty/loyalty.service.ts';
import { cohortsSteps } from '../analytics/cohorts.ts';
import { updateCatalog } from '../catalog/catalog.service.ts';
import { itemNeighborsSteps } from '../catalog/item-neighbors.ts';
import { saveStoreItemStats, storeItemStatsSteps } from '../scoring/serving/store-item-stats.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { sweepLifecycleSteps } from '../lifecycle/lifecycle.service.ts';
import { scoreRfmSteps } from '../lifecycle/rfm.ts';
import { pruneAuditLog } from '../audit/audit-rows.ts';
import { customerRanges, DEFAULT_PAGING, drain, IN_RANGE, type Steps, type SweepPaging } from '../db/sweep-steps.ts';

/*
 * What time alone changes, once a day: lifecycle stages, points that expired, actions past their expiry,
 * and the store-wide figures the action rules, the overview and the ranker (its item context) read. A sequence of bounded steps
 * (sweep-steps.ts): the server runs each as its own write, so POS transactions go on between them;
 * `runDailySweep` runs them all in one transaction (CLI, tests, demo seeding).
 */

export interface SweepReport {
  lifecycle: { scanned: number; changed: number };
  pointsExpired: { customers: number };
  actionsExpired: number;
  spend365P90: number | null;
  rfmScored: number;
  itemNeighbors: { items: number; pairs: number; popular30d: string[] };
  /** The ranker's item context from the store's own sales (scoring/serving/store-item-stats.ts). */
  itemStats: { items: number; baskets: number };
  /** Audit log rows past AUDIT_KEEP_DAYS, deleted. */
  auditPruned: number;
  ms: number;
}

/** Spend over the last 365 days that puts a customer in the top 10% (minor units). */
function* spendP90Steps(sqlite: Database, now: number, pageSize: number): Steps<number | null> {
  const spendOf = sqlite.query<{ s: number }, [string, string, number]>(
    `SELECT sum(total) AS s FROM transactions WHERE ${IN_RANGE('customer_id')} AND occurred_at > ?3 GROUP BY customer_id HAVING s > 0`,
  );
  const spends: number[] = [];
  for (const { after, through } of customerRanges(sqlite, pageSize)) {
    for (const { s } of spendOf.all(after, through, now - 365 * DAY_MS)) spends.push(s);
    yield;
  }
  if (spends.length === 0) return null;
  // The value with a tenth of the spenders at or above it: the k-th largest, k = max(1, ⌊n / 10⌋).
  const ascending = Float64Array.from(spends).sort();
  return ascending[ascending.length - Math.max(1, Math.floor(spends.length / 10))]!;
}

/** Expires the points of every customer with a lot that expired since the last sweep. */
function* expireDueSteps(sqlite: Database, now: number, paging: SweepPaging): Steps<number> {
  const since = getMetric<number>(sqlite, 'points_expired_until') ?? 0;
  // Pages of the ledger by id (its primary key), not a search by expiry: no index on expires_at to keep
  // up on every sale for a query that runs once a day.
  const duePage = sqlite.query<{ customer_id: string }, [number, number, number, number]>(
    `SELECT DISTINCT customer_id FROM loyalty_ledger
     WHERE id > ?1 AND id <= ?2 AND kind IN ('earn', 'adjust') AND expires_at > ?3 AND expires_at <= ?4`,
  );
  const lastId = sqlite.query<{ n: number | null }, []>('SELECT max(id) AS n FROM loyalty_ledger').get()?.n ?? 0;
  const due = new Set<string>();
  for (let after = 0; after < lastId; after += paging.ledgerRows) {
    for (const { customer_id } of duePage.all(after, after + paging.ledgerRows, since, now)) due.add(customer_id);
    yield;
  }
  const customers = [...due];
  for (let i = 0; i < customers.length; i += paging.expiryBatch) {
    for (const id of customers.slice(i, i + paging.expiryBatch)) expireDuePoints(sqlite, id, now);
    yield;
  }
  setMetric(sqlite, 'points_expired_until', now, now);
  return customers.length;
}

export interface SweepDeps {
  sqlite: Database;
  rules: LoyaltyRules;
  lifecycle: LifecycleRules;
  /** The store's IANA zone: months and cohorts are store-local. */
  timeZone: string;
  /** Days the audit log keeps its rows; unset (demo seeding), it is not pruned. */
  auditKeepDays?: number;
}

export function sweepDepsFrom(deps: { sqlite: Database; rules: LoyaltyRules; lifecycle: LifecycleRules; config: { STORE_TZ: string; AUDIT_KEEP_DAYS: number } }): SweepDeps {
  return { sqlite: deps.sqlite, rules: deps.rules, lifecycle: deps.lifecycle, timeZone: deps.config.STORE_TZ, auditKeepDays: deps.config.AUDIT_KEEP_DAYS };
}

/** The sweep as steps; `ms` is the time from the first step to the last, pauses between them included. */
export function* dailySweepSteps(deps: SweepDeps, now: number, paging: SweepPaging = DEFAULT_PAGING): Steps<SweepReport> {
  const t0 = performance.now();
  const { sqlite } = deps;
  const lifecycle = yield* sweepLifecycleSteps(sqlite, deps.lifecycle, now, paging.customers);
  const expired = yield* expireDueSteps(sqlite, now, paging);
  const actionsExpired = expireActions(sqlite, now);
  const p90 = yield* spendP90Steps(sqlite, now, paging.customers);
  setMetric(sqlite, 'spend365_p90', p90, now);
  const rfm = yield* scoreRfmSteps(sqlite, now, paging.customers);
  updateCatalog(sqlite, now);
  yield;
  const itemNeighbors = yield* itemNeighborsSteps(sqlite, now, { pageTransactions: paging.transactions });
  setMetric(sqlite, POPULAR_ITEMS_METRIC, withNames(sqlite, itemNeighbors.popular30d), now);
  yield;
  const itemStats = saveStoreItemStats(sqlite, yield* storeItemStatsSteps(sqlite, now), now);
  yield;
  setMetric(sqlite, 'cohorts', yield* cohortsSteps(sqlite, deps.timeZone, now, paging.customers), now);
  const auditPruned = deps.auditKeepDays === undefined ? 0 : pruneAuditLog(sqlite, now - deps.auditKeepDays * DAY_MS);
  return { lifecycle, pointsExpired: { customers: expired }, actionsExpired, spend365P90: p90, rfmScored: rfm.scored, itemNeighbors, itemStats: { items: itemStats.items, baskets: itemStats.baskets }, auditPruned, ms: Math.round(performance.now() - t0) };
}

/** The whole sweep now, in one transaction. */
export function runDailySweep(deps: SweepDeps, now: number): SweepReport {
  return deps.sqlite.transaction(() => drain(dailySweepSteps(deps, now)))();
}
