import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { modelHealthSchema } from '../server/contract/analytics.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { snapshotIfDue } from '../server/scoring/health/prediction-snapshots.ts';
import { rescoreEveryone } from '../server/scoring/serving/scores.service.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

/*
 * The store's own model health with the shipped models and the real onnxruntime: a backtest as of one horizon
 * ago has figures at once; a snapshot recorded now has none until the clock passes its horizon, and then its
 * figures count exactly the sales made meanwhile.
 */

let t: TestAppliance;
beforeAll(async () => {
  t = createTestAppliance({ env: { SCORING_WORKER: '0' } });
  seedDemoStore(ingestDepsFrom(t.deps), { customers: 400, months: 9, seed: 5, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
  await t.deps.models.reload();
  await rescoreEveryone(t.deps.scoring, t.clock());
}, 120_000);
afterAll(async () => {
  await t.deps.rescore.idle();
  await t.deps.models.close();
  t.close();
});

const health = async () => (await t.call('GET', '/api/v1/analytics/models', { role: 'manager' }, modelHealthSchema)).body;
const snapshotCustomers = (takenAt: number) =>
  t.deps.sqlite.query<{ customer_id: string }, [number]>('SELECT customer_id FROM prediction_snapshots WHERE taken_at = ? ORDER BY customer_id').all(takenAt).map((r) => r.customer_id);

describe('model health', () => {
  it('is for managers only', async () => {
    expect((await t.call('GET', '/api/v1/analytics/models', { role: 'clerk' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/analytics/models', { role: null })).status).toBe(401);
  });

  it('a store with a horizon of history gets a backtest with figures at once, and a recorded snapshot that waits for its horizon', async () => {
    const version = t.deps.models.version()!;
    const taken = await snapshotIfDue(t.deps.scoring, t.clock(), version);
    expect(taken.backtest).toBeGreaterThan(100);
    expect(taken.recorded).toBeGreaterThan(100);
    // Not due again the same week.
    expect(await snapshotIfDue(t.deps.scoring, t.clock() + DAY_MS, version)).toEqual({ recorded: 0, backtest: 0 });

    const h = await health();
    expect(h.snapshots.map((s) => s.kind)).toEqual(['recorded', 'backtest']);
    const [recorded, backtest] = h.snapshots as [(typeof h.snapshots)[0], (typeof h.snapshots)[0]];
    expect(recorded.figures).toBeNull();
    expect(Date.parse(recorded.matures_at) - Date.parse(recorded.taken_at)).toBe(recorded.horizon_days * DAY_MS);
    const f = backtest.figures!;
    // Counted again here from the facts: sales of the sampled customers within the backtest's horizon.
    const from = Date.parse(backtest.taken_at);
    const to = from + backtest.horizon_days * DAY_MS;
    const ids = snapshotCustomers(from);
    expect(ids.length).toBe(backtest.customers);
    const sales = ids.map(
      (id) => t.deps.sqlite.query<{ n: number }, [string, number, number]>("SELECT count(*) AS n FROM transactions WHERE customer_id = ? AND kind = 'sale' AND occurred_at > ? AND occurred_at <= ?").get(id, from, to)!.n,
    );
    expect(f.actual_purchases).toBe(sales.reduce((a, b) => a + b, 0));
    expect(f.buyers).toBe(sales.filter((n) => n > 0).length);
    // The demo's customers buy at their own rates and drop out: the model ranks buyers better than chance.
    expect(f.auc_p_purchase!).toBeGreaterThan(0.6);
    expect(f.auc_recency!).toBeGreaterThan(0.5);
    expect(f.recall_at_10).not.toBeNull();
    expect(f.next_baskets).toBeGreaterThan(0);
  });

  it('once the clock passes the horizon, the recorded snapshot counts the sales made meanwhile', async () => {
    const recorded = (await health()).snapshots[0]!;
    const takenAt = Date.parse(recorded.taken_at);
    const ids = snapshotCustomers(takenAt);
    const card = t.deps.sqlite.query<{ value: string }, [string]>("SELECT value FROM identity_links WHERE customer_id = ? AND kind = 'card'");
    const buyers = ids.filter((id) => card.get(id)).slice(0, 12);
    let posted = 0;
    for (const [i, id] of buyers.entries()) {
      t.clock.advance(DAY_MS);
      for (let k = 0; k <= i % 3; k++) {
        const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ customer: { loyalty_card: card.get(id)!.value }, occurred_at: new Date(t.clock() - k * 1000).toISOString() }) });
        expect(res.status).toBe(201);
        posted += 1;
      }
    }
    expect((await health()).snapshots[0]!.figures).toBeNull();
    t.clock.set(takenAt + recorded.horizon_days * DAY_MS + 1);
    const f = (await health()).snapshots.find((s) => s.kind === 'recorded')!.figures!;
    expect(f.actual_purchases).toBe(posted);
    expect(f.buyers).toBe(buyers.length);
    expect(f.next_baskets).toBe(buyers.length);
    expect(f.auc_p_purchase).not.toBeNull();
  });
});
