import type { Database } from 'bun:sqlite';
import { POPULAR_ITEMS_METRIC, withNames } from '../actions/action-context.ts';
import { getMetric, setMetric } from '../stats/store-metrics.ts';
import { DAY_MS } from '../clock.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import { expireDuePoints } from '../loyalty/loyalty.service.ts';
import { computeCohorts } from '../analytics/cohorts.ts';
import { updateCatalog } from '../catalog/catalog.service.ts';
import { computeItemNeighbors } from '../catalog/item-neighbors.ts';
import type { LifecycleRules } from './lifecycle-rules.ts';
import { sweepLifecycle } from './lifecycle.service.ts';
import { scoreRfm } from './rfm.ts';

/*
 * What time alone changes, once a day: lifecycle stages, points that expired, actions past their expiry,
 * and the store-wide thresholds the action rules read. Runs inside one transaction of the writer.
 */

export interface SweepReport {
  lifecycle: { scanned: number; changed: number };
  pointsExpired: { customers: number };
  actionsExpired: number;
  spend365P90: number | null;
  rfmScored: number;
  itemNeighbors: { items: number; pairs: number; popular30d: string[] };
  ms: number;
}

/** Spend over the last 365 days that puts a customer in the top 10% (minor units). */
function spendP90(sqlite: Database, now: number): number | null {
  const row = sqlite
    .query<{ s: number }, [number]>(
      `WITH spend AS (SELECT sum(total) AS s FROM transactions WHERE occurred_at > ? AND customer_id IS NOT NULL GROUP BY customer_id HAVING s > 0)
       SELECT s FROM spend ORDER BY s DESC LIMIT 1 OFFSET (SELECT max(0, count(*) / 10 - 1) FROM spend)`,
    )
    .get(now - 365 * DAY_MS);
  return row?.s ?? null;
}

export interface SweepDeps {
  sqlite: Database;
  rules: LoyaltyRules;
  lifecycle: LifecycleRules;
  /** The store's IANA zone: months and cohorts are store-local. */
  timeZone: string;
}

export function sweepDepsFrom(deps: { sqlite: Database; rules: LoyaltyRules; lifecycle: LifecycleRules; config: { STORE_TZ: string } }): SweepDeps {
  return { sqlite: deps.sqlite, rules: deps.rules, lifecycle: deps.lifecycle, timeZone: deps.config.STORE_TZ };
}

export function runDailySweep(deps: SweepDeps, now: number): SweepReport {
  const t0 = performance.now();
  const { sqlite } = deps;
  return sqlite.transaction(() => {
    const lifecycle = sweepLifecycle(sqlite, deps.lifecycle, now);
    // Only customers with a lot that expired since the last sweep need their ledger replayed.
    const since = getMetric<number>(sqlite, 'points_expired_until') ?? 0;
    const due = sqlite
      .query<{ customer_id: string }, [number, number]>(
        "SELECT DISTINCT customer_id FROM loyalty_ledger WHERE kind IN ('earn', 'adjust') AND expires_at > ? AND expires_at <= ?",
      )
      .all(since, now);
    for (const { customer_id } of due) expireDuePoints(sqlite, customer_id, now);
    setMetric(sqlite, 'points_expired_until', now, now);
    const actionsExpired = sqlite.query("UPDATE actions SET status = 'expired' WHERE status = 'open' AND expires_at <= ?").run(now).changes;
    const p90 = spendP90(sqlite, now);
    setMetric(sqlite, 'spend365_p90', p90, now);
    const rfm = scoreRfm(sqlite, now);
    updateCatalog(sqlite);
    const itemNeighbors = computeItemNeighbors(sqlite, now);
    setMetric(sqlite, POPULAR_ITEMS_METRIC, withNames(sqlite, itemNeighbors.popular30d), now);
    setMetric(sqlite, 'cohorts', computeCohorts(sqlite, deps.timeZone, now), now);
    return { lifecycle, pointsExpired: { customers: due.length }, actionsExpired, spend365P90: p90, rfmScored: rfm.scored, itemNeighbors, ms: Math.round(performance.now() - t0) };
  })();
}
