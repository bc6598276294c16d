import type { Database } from 'bun:sqlite';
import type { Overview } from '../contract/analytics.ts';
import { type Segment, STAGES } from '../contract/enums.ts';
import { DAY_MS } from '../kernel/clock.ts';
import { getMetric } from '../db/store-metrics.ts';
import { toMajor } from '../kernel/money.ts';
import { localMonth } from '../kernel/local-time.ts';
import { share } from '../kernel/numbers.ts';
import type { Cohort } from './cohorts.ts';
import { revenueIncludesTax } from '../kernel/revenue-includes-tax.ts';

/*
 * Store-wide figures for managers, computed in SQL over the period [from, to). Revenue is net (returns
 * subtract) in the store currency. Per-customer period totals are gathered once into a temp table that
 * the other figures reuse.
 */

function storedCohorts(sqlite: Database): Cohort[] {
  return getMetric<Cohort[]>(sqlite, 'cohorts') ?? [];
}

export interface OverviewDeps {
  sqlite: Database;
  minorDigits: number;
  timeZone: string;
}

/** The overview's figures; the route adds the store currency. */
export type OverviewFigures = Omit<Overview, 'currency'>;

export function storeOverview(deps: OverviewDeps, from: number, to: number, now: number): OverviewFigures {
  const { sqlite } = deps;
  const money = (minor: number | null) => toMajor(minor ?? 0, deps.minorDigits);
  // One ordered pass over the covering (customer_id, occurred_at, kind, total, id, tax, tax_included) index: per
  // customer (and one NULL row for anonymous sales), without a temp b-tree for the grouping. Tax is a magnitude:
  // a return's subtracts; the counts are those revenueIncludesTax takes.
  sqlite.run('DROP TABLE IF EXISTS temp.period_customers');
  sqlite
    .query(
      `CREATE TEMP TABLE period_customers AS
       SELECT customer_id, sum(total) AS revenue, sum(kind = 'sale') AS sales, sum(kind = 'return') AS returns,
              sum(CASE WHEN kind = 'sale' THEN total ELSE 0 END) AS sale_amount, -sum(CASE WHEN kind = 'return' THEN total ELSE 0 END) AS return_amount,
              sum(CASE WHEN kind = 'return' THEN -tax ELSE tax END) AS tax, sum(tax IS NOT NULL) AS tax_known,
              sum(tax > 0 AND tax_included = 1) AS tax_included, sum(tax > 0 AND tax_included = 0) AS tax_on_top
       FROM transactions INDEXED BY transactions_customer_time
       WHERE occurred_at >= ? AND occurred_at < ? GROUP BY customer_id`,
    )
    .run(from, to);

  const totals = sqlite
    .query<
      {
        sales: number | null; returns: number | null; sale_amount: number | null; return_amount: number | null; identified_sales: number | null; identified_amount: number | null;
        tax: number | null; tax_known: number | null; tax_included: number | null; tax_on_top: number | null;
      },
      []
    >(
      `SELECT sum(sales) AS sales, sum(returns) AS returns, sum(sale_amount) AS sale_amount, sum(return_amount) AS return_amount,
              sum(tax) AS tax, sum(tax_known) AS tax_known, sum(tax_included) AS tax_included, sum(tax_on_top) AS tax_on_top,
              sum(CASE WHEN customer_id IS NOT NULL THEN sales END) AS identified_sales,
              sum(CASE WHEN customer_id IS NOT NULL THEN sale_amount END) AS identified_amount
       FROM period_customers`,
    )
    .get()!;
  const revenue = (totals.sale_amount ?? 0) - (totals.return_amount ?? 0);
  const taxCounts = {
    known: totals.tax_known ?? 0,
    included: totals.tax_included ?? 0,
    onTop: totals.tax_on_top ?? 0,
    unknown: (totals.sales ?? 0) + (totals.returns ?? 0) - (totals.tax_known ?? 0),
  };

  const customersByStage = new Map(
    sqlite.query<{ stage: string; n: number }, []>('SELECT stage, count(*) AS n FROM customer_lifecycle GROUP BY stage').all().map((r) => [r.stage, r.n]),
  );
  const revenueByStage = sqlite
    .query<{ stage: string; buyers: number; revenue: number }, []>(
      `SELECT coalesce(l.stage, 'unknown') AS stage, count(*) AS buyers, sum(p.revenue) AS revenue
       FROM period_customers p LEFT JOIN customer_lifecycle l ON l.customer_id = p.customer_id
       WHERE p.customer_id IS NOT NULL GROUP BY 1`,
    )
    .all();
  const stages = STAGES.map((stage) => {
    const r = revenueByStage.find((x) => x.stage === stage);
    return { stage, customers: customersByStage.get(stage) ?? 0, buyers_in_period: r?.buyers ?? 0, revenue: money(r?.revenue ?? 0), revenue_share: share(r?.revenue ?? 0, revenue) };
  });
  const identifiedRevenue = revenueByStage.reduce((s, r) => s + r.revenue, 0);

  // Top 10% / 20% of buyers by period revenue: sorting half a million numbers is faster in JS.
  const perBuyer = Float64Array.from(
    sqlite.query<[number], []>('SELECT revenue FROM period_customers WHERE customer_id IS NOT NULL').values().map((r) => r[0]),
  ).sort().reverse();
  const topSum = (fraction: number) => perBuyer.subarray(0, Math.max(1, Math.floor(perBuyer.length * fraction))).reduce((s, x) => s + x, 0);
  const top = { buyers: perBuyer.length, top10: perBuyer.length ? topSum(0.1) : 0, top20: perBuyer.length ? topSum(0.2) : 0 };

  // A first purchase counts toward "converted within N days" only if N days could be observed.
  const end = Math.min(to, now);
  const conv = sqlite
    .query<Record<string, number | null>, { $from: number; $d30: number; $d60: number; $d90: number; $end: number }>(
      `SELECT ${[30, 60, 90]
        .map(
          (d) => `sum(first_purchase_at < $end - $d${d}) AS eligible${d},
                  sum(first_purchase_at < $end - $d${d} AND second_purchase_at IS NOT NULL AND second_purchase_at - first_purchase_at <= $d${d}) AS converted${d}`,
        )
        .join(', ')}
       FROM customer_lifecycle WHERE first_purchase_at >= $from AND first_purchase_at < $end`,
    )
    .get({ $from: from, $d30: 30 * DAY_MS, $d60: 60 * DAY_MS, $d90: 90 * DAY_MS, $end: end })!;
  const conversion = Object.fromEntries(
    [30, 60, 90].map((d) => {
      const eligible = conv[`eligible${d}`] ?? 0;
      const converted = conv[`converted${d}`] ?? 0;
      return [`d${d}`, { eligible, converted, rate: share(converted, eligible) }];
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
    .query<{ segment: Segment; customers: number; revenue: number | null }, []>(
      'SELECT segment, count(*) AS customers, sum(revenue_12m) AS revenue FROM customer_lifecycle WHERE segment IS NOT NULL GROUP BY segment ORDER BY revenue DESC',
    )
    .all();
  const segmentRevenue = segments.reduce((s, x) => s + (x.revenue ?? 0), 0);

  sqlite.run('DROP TABLE IF EXISTS temp.period_customers');
  return {
    period: { from: new Date(from).toISOString(), to: new Date(to).toISOString() },
    revenue: money(revenue),
    tax: money(totals.tax),
    revenue_includes_tax: revenueIncludesTax(taxCounts),
    tax_unknown_transactions: taxCounts.unknown,
    stages,
    identified: {
      sales_share: share(totals.identified_sales ?? 0, totals.sales ?? 0),
      revenue_share: share(totals.identified_amount ?? 0, totals.sale_amount ?? 0),
      anonymous_revenue: money(revenue - identifiedRevenue),
    },
    top_customers: { buyers: top.buyers ?? 0, top10_revenue_share: share(top.top10 ?? 0, identifiedRevenue), top20_revenue_share: share(top.top20 ?? 0, identifiedRevenue) },
    repeat_conversion: conversion,
    cohorts: storedCohorts(sqlite).filter((c) => c.cohort >= localMonth(deps.timeZone, from) && c.cohort < localMonth(deps.timeZone, to)),
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
