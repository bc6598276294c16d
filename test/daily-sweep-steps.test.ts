import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../server/app/app.ts';
import type { AppDeps } from '../server/orchestration/app-deps.ts';
import { openAppliance } from '../server/app/appliance.ts';
import { createToken } from '../server/auth/token.service.ts';
import { DAY_MS, manualClock } from '../server/kernel/clock.ts';
import { testConfig } from '../server/kernel/config.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { dailySweepSteps, runDailySweep, sweepDepsFrom, type SweepReport } from '../server/orchestration/daily-sweep.ts';
import { scoreRfmSteps } from '../server/lifecycle/rfm.ts';
import { drain, runStepwise, type SweepPaging } from '../server/db/sweep-steps.ts';
import { createTestAppliance, sale } from './support/test-appliance.ts';
import { silentLogger } from '../server/kernel/log.ts';

/*
 * The daily sweep in steps (as the server runs it, each step a write of its own) leaves the store exactly as
 * the sweep in one transaction does, even with pages of a handful of rows, and POS transactions are stored
 * while it runs. Two appliances on byte-identical copies of one seeded store, 40 days after the seed (points
 * expire, stages move).
 */

const TINY: SweepPaging = { customers: 7, ledgerRows: 13, expiryBatch: 3, transactions: 5 };

const dirs: string[] = [];
let once: AppDeps;
let stepwise: AppDeps;
let now: number;

function open(dir: string, at: number): AppDeps {
  return openAppliance(testConfig({ DATA_DIR: dir }), manualClock(at), silentLogger);
}

beforeAll(() => {
  const seeded = Date.parse('2026-11-22T10:00:00+08:00');
  for (let i = 0; i < 2; i++) dirs.push(mkdtempSync(join(tmpdir(), 'sweep-steps-')));
  const seed = open(dirs[0]!, seeded);
  seedDemoStore(ingestDepsFrom(seed), { customers: 150, months: 14, seed: 11, now: seeded, storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
  seed.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
  seed.sqlite.close();
  seed.walSync.close();
  copyFileSync(join(dirs[0]!, 'store.db'), join(dirs[1]!, 'store.db'));
  now = seeded + 40 * DAY_MS;
  once = open(dirs[0]!, now);
  stepwise = open(dirs[1]!, now);
});

afterAll(() => {
  for (const d of [once, stepwise]) {
    d.sqlite.close();
    d.walSync.close();
  }
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Everything the sweep writes, in a comparable form (no generated ids). */
function sweptState(deps: AppDeps) {
  const all = (sql: string) => deps.sqlite.query(sql).all();
  return {
    lifecycle: all('SELECT * FROM customer_lifecycle ORDER BY customer_id'),
    stageChanges: all('SELECT customer_id, from_stage, to_stage, at FROM stage_changes ORDER BY customer_id, at, to_stage'),
    ledger: all("SELECT customer_id, kind, points, lot_id, effective_at FROM loyalty_ledger WHERE kind = 'expire' ORDER BY customer_id, lot_id"),
    points: all('SELECT * FROM customer_points ORDER BY customer_id'),
    neighbours: all('SELECT * FROM item_neighbors ORDER BY sku, neighbor'),
    metrics: all("SELECT key, value FROM store_metrics WHERE key NOT IN ('daily_sweep_day') ORDER BY key"),
    actions: all('SELECT id, status FROM actions ORDER BY id'),
  };
}

/** An anonymous sale at `now` through the real HTTP stack: the stepwise store gets it mid-sweep, the other before. */
async function postSale(deps: AppDeps): Promise<number> {
  const { token } = createToken(deps.sqlite, 'terminal', 'pos', now);
  const res = await createApp(deps).request('/api/v1/transactions', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(sale({ occurred_at: new Date(now).toISOString(), receipt_no: 'MID-SWEEP', customer: undefined })),
  });
  return res.status;
}

const withoutTime = ({ ms: _ms, ...rest }: SweepReport) => rest;

describe('daily sweep in steps', () => {
  let report: SweepReport;
  let posStoredMidSweep = false;
  let steps = 0;

  beforeAll(async () => {
    const countedRun = <T>(work: () => T) => {
      steps += 1;
      return stepwise.writes.run(work);
    };
    let sweepDone = false;
    const sweep = runStepwise(countedRun, dailySweepSteps(sweepDepsFrom(stepwise), now, TINY)).finally(() => {
      sweepDone = true;
    });
    // A sale posted once the sweep is under way is stored before it ends.
    await stepwise.writes.run(() => undefined);
    expect(await postSale(stepwise)).toBe(201);
    posStoredMidSweep = !sweepDone;
    report = await sweep;
  });

  it('leaves the store as the sweep in one transaction does, page by page', async () => {
    expect(await postSale(once)).toBe(201);
    const inOneGo = runDailySweep(sweepDepsFrom(once), now);
    expect(steps).toBeGreaterThan(100);
    expect(inOneGo.pointsExpired.customers).toBeGreaterThan(0);
    expect(inOneGo.lifecycle.changed).toBeGreaterThan(0);
    expect(inOneGo.rfmScored).toBeGreaterThan(0);
    expect(withoutTime(report)).toEqual(withoutTime(inOneGo));
    expect(sweptState(stepwise)).toEqual(sweptState(once));
  });

  it('lets POS transactions through between its steps', () => {
    expect(posStoredMidSweep).toBe(true);
  });

  it('scores RFM as SQL percent_rank does over the year', () => {
    const fromMonth = new Date(now - 365 * DAY_MS).toISOString().slice(0, 7);
    const score = (col: string) => `min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY ${col}) AS INTEGER))`;
    const expected = once.sqlite
      .query(
        `WITH year AS (
           SELECT m.customer_id, l.last_purchase_at AS r, sum(m.sales) AS f, sum(m.revenue) AS m
           FROM customer_months m JOIN customer_lifecycle l ON l.customer_id = m.customer_id
           WHERE m.month >= ? AND l.last_purchase_at > ? GROUP BY m.customer_id)
         SELECT customer_id, ${score('r')} AS r_score, ${score('f')} AS f_score, ${score('m')} AS m_score FROM year ORDER BY customer_id`,
      )
      .all(fromMonth, now - 365 * DAY_MS);
    const stored = once.sqlite
      .query('SELECT customer_id, r_score, f_score, m_score FROM customer_lifecycle WHERE r_score IS NOT NULL ORDER BY customer_id')
      .all();
    expect(expected.length).toBeGreaterThan(50);
    expect(stored).toEqual(expected);
  });

  it('finds the top-decile spend as SQL does', () => {
    const sql = once.sqlite
      .query<{ s: number }, [number]>(
        `WITH spend AS (SELECT sum(total) AS s FROM transactions WHERE occurred_at > ? AND customer_id IS NOT NULL GROUP BY customer_id HAVING s > 0)
         SELECT s FROM spend ORDER BY s DESC LIMIT 1 OFFSET (SELECT max(0, count(*) / 10 - 1) FROM spend)`,
      )
      .get(now - 365 * DAY_MS);
    expect(sql?.s).toBeGreaterThan(0);
    expect(report.spend365P90).toBe(sql!.s);
  });
});

describe('RFM in steps', () => {
  it('leaves a customer who appears between its reading and its writing as they are, not `lost`', async () => {
    const t = createTestAppliance();
    try {
      for (const card of ['70000001', '70000002', '70000003']) {
        expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ customer: { loyalty_card: card } }) })).status).toBe(201);
      }
      const steps = scoreRfmSteps(t.deps.sqlite, t.clock(), 1000);
      steps.next(); // the one range read
      expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ customer: { loyalty_card: '70000004' } }) })).status).toBe(201);
      expect(drain(steps).scored).toBe(3);
      const segments = t.deps.sqlite
        .query<{ card: string; segment: string | null }, []>(
          `SELECT k.value AS card, l.segment FROM customer_lifecycle l JOIN identity_links k ON k.customer_id = l.customer_id AND k.kind = 'card' ORDER BY card`,
        )
        .all();
      expect(segments.map((s) => s.segment === null)).toEqual([false, false, false, true]);
    } finally {
      t.close();
    }
  });
});
