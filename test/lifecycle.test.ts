import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../server/kernel/clock.ts';
import { recomputeAllLifecycle, sweepLifecycle } from '../server/lifecycle/lifecycle.service.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
afterEach(() => t.close());

const start = Date.parse('2026-01-01T10:00:00+08:00');
const iso = (ms: number) => new Date(ms).toISOString();

function setup(env: Record<string, string> = {}) {
  t = createTestAppliance({ now: iso(start), env });
}

async function buy(card: string, amount = 20, over: Record<string, unknown> = {}) {
  const res = await t.call('POST', '/api/v1/transactions', {
    role: 'terminal',
    body: sale({
      occurred_at: iso(t.clock()),
      customer: { loyalty_card: card },
      lines: [{ sku: 'S1', name: 'x', category: 'c', quantity: 1, unit_price: amount, discount: 0, amount }],
      tenders: [{ type: 'card', amount }],
      ...over,
    }),
  }, ingestResultSchema);
  expect(res.status).toBe(201);
  const { customer_id } = res.body;
  if (customer_id === null) throw new Error('a sale with a card has a customer');
  return { ...res.body, customer_id };
}

const stage = (id: string) => t.deps.sqlite.query('SELECT stage, since FROM customer_lifecycle WHERE customer_id = ?').get(id) as { stage: string; since: number };
const history = (id: string) =>
  (t.deps.sqlite.query('SELECT from_stage, to_stage, at FROM stage_changes WHERE customer_id = ? ORDER BY at, id').all(id) as Array<{ from_stage: string | null; to_stage: string; at: number }>).map(
    (r) => `${r.from_stage ?? '∅'}→${r.to_stage}@${Math.round((r.at - start) / DAY_MS)}`,
  );
const sweep = () => sweepLifecycle(t.deps.sqlite, t.deps.lifecycle, t.clock());
const advanceDays = (d: number) => t.clock.advance(d * DAY_MS);

describe('lifecycle stages', () => {
  it('walks a customer new → first purchase → active → at risk → dormant, and back to active, with dated history', async () => {
    setup();
    const reg = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '11110001', name: 'A' } }, customerCardSchema);
    const id = reg.body.id;
    expect(stage(id).stage).toBe('new');
    advanceDays(5);
    await buy('11110001');
    expect(stage(id)).toEqual({ stage: 'first_purchase', since: t.clock() });
    advanceDays(20);
    await buy('11110001');
    expect(stage(id).stage).toBe('active');
    advanceDays(90); // 90 days since the last purchase: still active (the window is inclusive)
    expect(sweep().changed).toBe(0);
    advanceDays(1);
    expect(sweep()).toEqual({ scanned: 1, changed: 1 });
    expect(stage(id)).toEqual({ stage: 'at_risk', since: start + (25 + 90) * DAY_MS });
    advanceDays(300);
    sweep();
    expect(stage(id)).toEqual({ stage: 'dormant', since: start + (25 + 365) * DAY_MS });
    await buy('11110001');
    expect(stage(id).stage).toBe('active');
    expect(history(id)).toEqual(['∅→new@0', 'new→first_purchase@5', 'first_purchase→active@25', 'active→at_risk@115', 'at_risk→dormant@390', 'dormant→active@416']);
  });

  it('records the stages time passed through even when no sweep ran, before the purchase that ends them', async () => {
    setup();
    const first = await buy('11110002');
    advanceDays(10);
    await buy('11110002');
    advanceDays(400); // no sweep for 400 days
    await buy('11110002');
    expect(history(first.customer_id)).toEqual(['∅→first_purchase@0', 'first_purchase→active@10', 'active→at_risk@100', 'at_risk→dormant@375', 'dormant→active@410']);
  });

  it('moves a one-time buyer to at risk after the first-purchase window', async () => {
    setup();
    const { customer_id } = await buy('11110003');
    advanceDays(91);
    sweep();
    expect(stage(customer_id)).toEqual({ stage: 'at_risk', since: start + 90 * DAY_MS });
  });

  it('registered customers who never buy become prospects', async () => {
    setup();
    const reg = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '13900000009' } }, customerCardSchema);
    advanceDays(91);
    sweep();
    expect(stage(reg.body.id)).toEqual({ stage: 'prospect', since: start + 90 * DAY_MS });
  });

  it('refund rule: a first purchase returned in full sends the customer back to new; with the rule off it does not', async () => {
    for (const [rule, expected] of [['1', 'new'], ['0', 'first_purchase']] as const) {
      setup({ LIFECYCLE_REFUNDS_UNDO_PURCHASE: rule });
      const sold = await buy('11110004', 50, { terminal_id: 'T9', receipt_no: 'S1' });
      advanceDays(2);
      await buy('11110004', 50, { kind: 'return', receipt_no: 'R1', customer: undefined, original: { terminal_id: 'T9', receipt_no: 'S1' } });
      expect(stage(sold.customer_id).stage).toBe(expected);
      if (rule === '1') expect(history(sold.customer_id)).toEqual(['∅→first_purchase@0', 'first_purchase→new@2']);
      t.close();
    }
    setup(); // for afterEach
  });

  it('a long history: each sale reads only the recent purchases, and the row equals the rebuild from all facts', async () => {
    setup({ LIFECYCLE_PERSONAL_GAP: '1', LIFECYCLE_REFUNDS_UNDO_PURCHASE: '1' });
    // 260 sales (a long history, past SHORT_HISTORY): every 2 days for 200, then every 5 days, a few returned
    // in full (uncounted), and one posted late (older than the last): the usual gap follows the last 50 gaps
    // (5 days), not all of them (2).
    let id = '';
    const row = () => t.deps.sqlite.query('SELECT * FROM customer_lifecycle WHERE customer_id = ?').get(id) as Record<string, unknown>;
    for (let i = 0; i < 260; i++) {
      advanceDays(i < 200 ? 2 : 5);
      const sold = await buy('11110009', 20, { terminal_id: 'T8', receipt_no: `L${i}` });
      id = sold.customer_id;
      if (i % 40 === 7) {
        await buy('11110009', 20, { kind: 'return', receipt_no: `LR${i}`, customer: undefined, original: { terminal_id: 'T8', receipt_no: `L${i}` } });
      }
    }
    const sameAsRebuild = () => {
      const incremental = row();
      recomputeAllLifecycle(t.deps.sqlite, t.deps.lifecycle, Number(incremental.evaluated_at));
      expect(row()).toEqual(incremental);
      return incremental;
    };
    const afterNewest = sameAsRebuild(); // the last sale was the newest: derived from the row
    expect(afterNewest.purchase_count).toBe(260 - 7);
    expect(afterNewest.median_gap_ms).toBe(5 * DAY_MS);
    expect(afterNewest.first_purchase_at).toBe(start + 2 * DAY_MS);
    expect(afterNewest.second_purchase_at).toBe(start + 4 * DAY_MS);
    await buy('11110009', 20, { receipt_no: 'LATE', occurred_at: iso(t.clock() - 3 * DAY_MS) });
    expect(sameAsRebuild().purchase_count).toBe(261 - 7); // an older sale: recounted from the facts
  });

  it('personal-gap mode: at risk once twice the customer\'s own median gap has passed', async () => {
    setup({ LIFECYCLE_PERSONAL_GAP: '1' });
    let id = '';
    for (const gap of [0, 10, 10, 10]) {
      advanceDays(gap);
      id = (await buy('11110005')).customer_id;
    }
    advanceDays(20);
    expect(sweep().changed).toBe(0);
    advanceDays(1);
    sweep();
    expect(stage(id)).toEqual({ stage: 'at_risk', since: start + (30 + 20) * DAY_MS });
    // A slow buyer (every 200 days) is at risk after half the dormant threshold, not after 400 days.
    const slow = await buy('11110006');
    advanceDays(200);
    await buy('11110006');
    advanceDays(200);
    await buy('11110006');
    advanceDays(300);
    sweep();
    expect(stage(slow.customer_id).stage).toBe('at_risk');
    advanceDays(66);
    sweep();
    expect(stage(slow.customer_id).stage).toBe('dormant');
  });

  it('the profile shows the stage', async () => {
    setup();
    const { customer_id } = await buy('11110007');
    const profile = await t.call('GET', `/api/v1/customers/${customer_id}`, { role: 'clerk' }, customerCardSchema);
    expect(profile.body.lifecycle).toMatchObject({ stage: 'first_purchase', since: iso(start) });
  });
});
