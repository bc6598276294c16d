import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../clock.ts';
import { toMajor } from '../money.ts';
import { zoneOffsetMinutes } from '../time/zone-offset.ts';

/*
 * Store-wide figures for managers, computed in SQL over the period [from, to). Revenue is net (returns
 * subtract) in the store currency. Per-customer period totals are gathered once into a temp table that
 * the other figures reuse.
 */

export interface OverviewDeps {
  sqlite: Database;
  minorDigits: number;
  timeZone: string;
}

const share = (part: number, whole: number) => (whole === 0 ? null : Math.round((part / whole) * 10_000) / 10_000);

export function storeOverview(deps: OverviewDeps, from: number, to: number, now: number) {
  const { sqlite } = deps;
  const money = (minor: number | null) => toMajor(minor ?? 0, deps.minorDigits);
  sqlite.run('DROP TABLE IF EXISTS temp.period_customers');
  sqlite
    .query(
      `CREATE TEMP TABLE period_customers AS
       SELECT customer_id, sum(total) AS revenue, sum(kind = 'sale') AS sales
       FROM transactions WHERE occurred_at >= ? AND occurred_at < ? AND customer_id IS NOT NULL GROUP BY customer_id`,
    )
    .run(from, to);

  const totals = sqlite
    .query<{ sales: number; returns: number; sale_amount: number | null; return_amount: number | null; identified_sales: number; identified_amount: number | null }, [number, number]>(
      `SELECT sum(kind = 'sale') AS sales, sum(kind = 'return') AS returns,
              sum(CASE WHEN kind = 'sale' THEN total END) AS sale_amount, -sum(CASE WHEN kind = 'return' THEN total END) AS return_amount,
              sum(kind = 'sale' AND customer_id IS NOT NULL) AS identified_sales,
              sum(CASE WHEN kind = 'sale' AND customer_id IS NOT NULL THEN total END) AS identified_amount
       FROM transactions WHERE occurred_at >= ? AND occurred_at < ?`,
    )
    .get(from, to)!;
  const revenue = (totals.sale_amount ?? 0) - (totals.return_amount ?? 0);

  const customersByStage = new Map(
    sqlite.query<{ stage: string; n: number }, []>('SELECT stage, count(*) AS n FROM customer_lifecycle GROUP BY stage').all().map((r) => [r.stage, r.n]),
  );
  const revenueByStage = sqlite
    .query<{ stage: string; buyers: number; revenue: number }, []>(
      `SELECT coalesce(l.stage, 'unknown') AS stage, count(*) AS buyers, sum(p.revenue) AS revenue
       FROM period_customers p LEFT JOIN customer_lifecycle l ON l.customer_id = p.customer_id GROUP BY 1`,
    )
    .all();
  const stages = ['new', 'prospect', 'first_purchase', 'active', 'at_risk', 'dormant'].map((stage) => {
    const r = revenueByStage.find((x) => x.stage === stage);
    return { stage, customers: customersByStage.get(stage) ?? 0, buyers_in_period: r?.buyers ?? 0, revenue: money(r?.revenue ?? 0), revenue_share: share(r?.revenue ?? 0, revenue) };
  });
  const identifiedRevenue = revenueByStage.reduce((s, r) => s + r.revenue, 0);

  const top = sqlite
    .query<{ top10: number | null; top20: number | null; buyers: number }, []>(
      `WITH ranked AS (SELECT revenue, row_number() OVER (ORDER BY revenue DESC) AS rn, count(*) OVER () AS n FROM period_customers)
       SELECT sum(CASE WHEN rn <= max(1, n / 10) THEN revenue END) AS top10, sum(CASE WHEN rn <= max(1, n / 5) THEN revenue END) AS top20, max(n) AS buyers FROM ranked`,
    )
    .get()!;

  // A first purchase counts toward "converted within N days" only if N days could be observed.
  const end = Math.min(to, now);
  const conversion = Object.fromEntries(
    [30, 60, 90].map((d) => {
      const r = sqlite
        .query<{ eligible: number; converted: number | null }, [number, number, number]>(
          `SELECT count(*) AS eligible, sum(second_purchase_at IS NOT NULL AND second_purchase_at - first_purchase_at <= ?) AS converted
           FROM customer_lifecycle WHERE first_purchase_at >= ? AND first_purchase_at < ?`,
        )
        .get(d * DAY_MS, from, end - d * DAY_MS)!;
      return [`d${d}`, { eligible: r.eligible, converted: r.converted ?? 0, rate: share(r.converted ?? 0, r.eligible) }];
    }),
  );

  const actionsByType = sqlite
    .query<{ type: string; shown: number; done: number; declined: number; converted: number; revenue: number | null }, [number, number]>(
      `SELECT type, count(*) AS shown, sum(status = 'done') AS done, sum(status = 'declined') AS declined,
              sum(converted_tx_id IS NOT NULL) AS converted, sum(revenue) AS revenue
       FROM actions WHERE created_at >= ? AND created_at < ? GROUP BY type ORDER BY type`,
    )
    .all(from, to)
    .map((a) => ({ ...a, revenue: money(a.revenue), conversion_rate: share(a.converted, a.done) }));

  const segments = sqlite
    .query<{ segment: string; customers: number; revenue: number | null }, [string]>(
      `SELECT l.segment, count(*) AS customers, sum((SELECT sum(revenue) FROM customer_months m WHERE m.customer_id = l.customer_id AND m.month >= ?)) AS revenue
       FROM customer_lifecycle l WHERE l.segment IS NOT NULL GROUP BY l.segment ORDER BY revenue DESC`,
    )
    .all(new Date(now - 365 * DAY_MS).toISOString().slice(0, 7));
  const segmentRevenue = segments.reduce((s, x) => s + (x.revenue ?? 0), 0);

  sqlite.run('DROP TABLE IF EXISTS temp.period_customers');
  return {
    period: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    revenue: money(revenue),
    stages,
    identified: {
      sales_share: share(totals.identified_sales, totals.sales ?? 0),
      revenue_share: share(totals.identified_amount ?? 0, totals.sale_amount ?? 0),
      anonymous_revenue: money(revenue - identifiedRevenue),
    },
    top_customers: { buyers: top.buyers ?? 0, top10_revenue_share: share(top.top10 ?? 0, identifiedRevenue), top20_revenue_share: share(top.top20 ?? 0, identifiedRevenue) },
    repeat_conversion: conversion,
    cohorts: cohortRetention(deps, from, to),
    returns: {
      sales: totals.sales ?? 0,
      returns: totals.returns ?? 0,
      count_rate: share(totals.returns ?? 0, totals.sales ?? 0),
      amount_rate: share(totals.return_amount ?? 0, totals.sale_amount ?? 0),
    },
    actions: actionsByType,
    segments: segments.map((s) => ({ segment: s.segment, customers: s.customers, revenue_12m: money(s.revenue), revenue_share: share(s.revenue ?? 0, segmentRevenue) })),
  };
}

/**
 * Monthly cohorts by first purchase month (store-local) within the period; for each, the share of the
 * cohort buying in month 0, 1, 2… after. Reads customer_months, not every sale.
 */
function cohortRetention(deps: OverviewDeps, from: number, to: number) {
  const offsetMs = zoneOffsetMinutes(deps.timeZone, to) * 60_000;
  const rows = deps.sqlite
    .query<{ cohort: string; month: string; n: number }, [number, number, number]>(
      `WITH c AS (SELECT customer_id, strftime('%Y-%m', (first_purchase_at + ?1) / 1000, 'unixepoch') AS cohort
                  FROM customer_lifecycle WHERE first_purchase_at >= ?2 AND first_purchase_at < ?3)
       SELECT c.cohort, m.month, count(*) AS n FROM c JOIN customer_months m ON m.customer_id = c.customer_id
       WHERE m.sales > 0 AND m.month >= c.cohort GROUP BY c.cohort, m.month ORDER BY c.cohort, m.month`,
    )
    .all(offsetMs, from, to);
  const monthIndex = (a: string, b: string) => (Number(b.slice(0, 4)) - Number(a.slice(0, 4))) * 12 + Number(b.slice(5)) - Number(a.slice(5));
  const cohorts = new Map<string, { size: number; active: number[] }>();
  for (const r of rows) {
    const k = monthIndex(r.cohort, r.month);
    const c = cohorts.get(r.cohort) ?? { size: 0, active: [] };
    if (k === 0) c.size = r.n;
    c.active[k] = r.n;
    cohorts.set(r.cohort, c);
  }
  return [...cohorts.entries()].map(([cohort, c]) => ({
    cohort,
    customers: c.size,
    retention: Array.from({ length: c.active.length }, (_, k) => share(c.active[k] ?? 0, c.size)),
  }));
}
