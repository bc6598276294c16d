import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { storeOverview } from '../server/analytics/analytics.service.ts';
import { openAppliance } from '../server/app/appliance.ts';
import { DAY_MS, manualClock } from '../server/kernel/clock.ts';
import { testConfig } from '../server/kernel/config.ts';
import { readCsvTransactions } from '../server/ingest/csv/csv-transactions.ts';
import { emptyTotals, importFile } from '../server/orchestration/import.service.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';

/*
 * CDNOW imported as of the end of its calibration period (1997-09-30): the stage distribution and the
 * revenue shares, printed for the README and checked against figures computed here straight from the
 * CSV (not through the appliance): with the default windows (first purchase / active 90 days, dormant
 * 365) a customer with purchases on two or more days and the last within 90 days is active; everyone
 * else bought, so is at risk (all of them started in Q1 1997, over 90 but under 365 days earlier).
 */

const csv = join(process.cwd(), '..', 'shared', 'datasets', 'cdnow', 'lines.csv');
const asOf = Date.parse('1997-09-30T23:59:59-05:00');
const work = mkdtempSync(join(tmpdir(), 'cdnow-stages-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function expectedFromCsv() {
  const days = new Map<string, Set<string>>();
  const last = new Map<string, number>();
  const spend = new Map<string, number>();
  const kept: string[] = [];
  const [header, ...rows] = readFileSync(csv, 'utf8').trimEnd().split('\n');
  kept.push(header!);
  for (const row of rows) {
    const [customer, , at, , , amount] = row.split(',');
    const t = Date.parse(at!);
    if (t > asOf) continue;
    kept.push(row);
    if (!days.has(customer!)) days.set(customer!, new Set());
    days.get(customer!)!.add(at!.slice(0, 10));
    last.set(customer!, Math.max(last.get(customer!) ?? 0, t));
    spend.set(customer!, (spend.get(customer!) ?? 0) + Math.round(Number(amount) * 100));
  }
  let active = 0;
  for (const [customer, d] of days) if (d.size >= 2 && asOf - last.get(customer)! <= 90 * DAY_MS) active += 1;
  const sorted = [...spend.values()].sort((a, b) => b - a);
  const total = sorted.reduce((s, x) => s + x, 0);
  const topShare = (f: number) => sorted.slice(0, Math.floor(sorted.length * f)).reduce((s, x) => s + x, 0) / total;
  return { customers: days.size, active, top10: topShare(0.1), top20: topShare(0.2), kept: `${kept.join('\n')}\n` };
}

describe('CDNOW as of 1997-09-30', () => {
  it('has a sane stage distribution and revenue concentration', async () => {
    const expected = expectedFromCsv();
    const file = join(work, 'calibration.csv');
    writeFileSync(file, expected.kept);
    const clock = manualClock(asOf);
    const deps = openAppliance(testConfig({ DATA_DIR: join(work, 'db'), STORE_TZ: 'America/New_York' }), clock);
    const totals = emptyTotals();
    await importFile(
      ingestDepsFrom(deps),
      { file, read: (reject) => readCsvTransactions(file, { storeId: 'S001', onReject: (r) => reject(r) }) },
      { now: asOf, strict: true },
      totals,
    );
    runDailySweep(sweepDepsFrom(deps), asOf);
    const overview = storeOverview({ sqlite: deps.sqlite, minorDigits: 2, timeZone: 'America/New_York' }, Date.parse('1997-01-01T00:00:00-05:00'), asOf, asOf);
    deps.sqlite.close();

    const stage = (s: string) => overview.stages.find((x) => x.stage === s)!;
    const table = overview.stages.map((s) => `| ${s.stage} | ${s.customers} | ${s.revenue} | ${s.revenue_share ?? 0} |`).join('\n');
    console.log(
      `CDNOW as of 1997-09-30\n| stage | customers | revenue 1997-01-01…09-30 | share |\n|---|---|---|---|\n${table}\n` +
        `top 10% of buyers: ${overview.top_customers.top10_revenue_share} of revenue; top 20%: ${overview.top_customers.top20_revenue_share}\n` +
        `repeat within 30/60/90 days: ${overview.repeat_conversion.d30?.rate} / ${overview.repeat_conversion.d60?.rate} / ${overview.repeat_conversion.d90?.rate}`,
    );

    expect(totals.customers).toBe(expected.customers);
    expect(overview.stages.reduce((s, x) => s + x.customers, 0)).toBe(expected.customers);
    expect(stage('active').customers).toBe(expected.active);
    expect(stage('at_risk').customers).toBe(expected.customers - expected.active);
    for (const s of ['new', 'prospect', 'first_purchase', 'dormant']) expect(stage(s).customers).toBe(0);
    expect(overview.top_customers.top10_revenue_share!).toBeCloseTo(expected.top10, 3);
    expect(overview.top_customers.top20_revenue_share!).toBeCloseTo(expected.top20, 3);
    expect(stage('active').revenue_share! + stage('at_risk').revenue_share!).toBeCloseTo(1, 3);
  });
});
