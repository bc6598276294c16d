import type { Database } from 'bun:sqlite';
import { customerRanges, IN_RANGE, type Steps } from '../db/sweep-steps.ts';
import { monthAtOffsetSql, zoneOffsetMinutes } from '../kernel/local-time.ts';
import { share } from '../kernel/numbers.ts';

/*
 * Monthly cohorts by first purchase month (store-local): for each, its size and the share of it buying in
 * month 0, 1, 2… after. Computed by the daily sweep over customer_months (a monthly view does not need
 * to be fresher than a day) and stored in store_metrics; the overview picks the cohorts of its period.
 */

export interface Cohort {
  cohort: string;
  customers: number;
  retention: Array<number | null>;
}

/** In steps (sweep-steps.ts): the counts are read a page of customers at a time and summed. */
export function* cohortsSteps(sqlite: Database, timeZone: string, now: number, pageSize: number): Steps<Cohort[]> {
  const offsetMinutes = zoneOffsetMinutes(timeZone, now);
  const page = sqlite.query<{ cohort: string; month: string; n: number }, [string, string, number]>(
    `WITH c AS (SELECT customer_id, ${monthAtOffsetSql('first_purchase_at', '?3')} AS cohort
                FROM customer_lifecycle WHERE first_purchase_at IS NOT NULL AND ${IN_RANGE('customer_id')})
     SELECT c.cohort, m.month, count(*) AS n FROM c JOIN customer_months m ON m.customer_id = c.customer_id
     WHERE m.sales > 0 AND m.month >= c.cohort GROUP BY c.cohort, m.month`,
  );
  const monthIndex = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5)) - Number(a.slice(5));
  const cohorts = new Map<string, { size: number; active: number[] }>();
  for (const { after, through } of customerRanges(sqlite, pageSize)) {
    for (const r of page.all(after, through, offsetMinutes)) {
      const k = monthIndex(r.cohort, r.month);
      const c = cohorts.get(r.cohort) ?? { size: 0, active: [] };
      if (k === 0) c.size += r.n;
      c.active[k] = (c.active[k] ?? 0) + r.n;
      cohorts.set(r.cohort, c);
    }
    yield;
  }
  return [...cohorts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([cohort, c]) => ({
      cohort,
      customers: c.size,
      retention: Array.from({ length: c.active.length }, (_, k) => share(c.active[k] ?? 0, c.size)),
    }));
}
