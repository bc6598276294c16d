import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AtRiskList, atRiskListSchema } from '../server/contract/analytics.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { rescoreCustomers } from '../server/scoring/serving/scores.service.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

/*
 * The manager's call list on a small store (2026, Shanghai time), judged on Jun 30 after the daily sweep:
 *   P1, P2, P3, P4: consented to calls, have a phone, last bought Jan–Mar → at risk: listed
 *   P4 is not scored → listed last
 *   N1: at risk with a phone, but said no to calls; N2: consented, but bought in June (active);
 *   N3: at risk and consented, but no phone to call → none of them listed
 */
let t: TestAppliance;
const at = (d: string) => Date.parse(`${d}T12:00:00+08:00`);
const ids = new Map<string, string>();

async function register(key: string, card: string, body: Record<string, unknown>) {
  const res = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: card, name: key, ...body } }, customerCardSchema);
  expect(res.status).toBe(201);
  ids.set(key, res.body.id);
}

async function buy(day: string, card: string, amount: number) {
  t.clock.set(at(day));
  const line = { sku: 'X', name: 'x', category: 'c', quantity: 1, unit_price: amount, discount: 0, amount };
  const res = await t.call('POST', '/api/v1/transactions', {
    role: 'terminal',
    body: sale({ occurred_at: new Date(at(day)).toISOString(), customer: { loyalty_card: card }, lines: [line], tenders: [{ type: 'card', amount }] }),
  });
  expect(res.status).toBe(201);
}

async function page(query: string, role: 'manager' | 'admin' = 'manager'): Promise<AtRiskList> {
  const res = await t.call('GET', `/api/v1/analytics/at-risk${query}`, { role }, atRiskListSchema);
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  t = createTestAppliance({ now: '2026-01-02T09:00:00+08:00', env: { SCORING_WORKER: '0' } });
  await register('P1', '91000001', { phone: '13700000011', consent: { call: true } });
  await register('P2', '91000002', { phone: '13700000012', consent: { call: true, sms: true } });
  await register('P3', '91000003', { phone: '13700000013', consent: { call: true } });
  await register('P4', '91000004', { phone: '13700000014', consent: { call: true } });
  await register('N1', '91000005', { phone: '13700000015', consent: { call: false, sms: true } });
  await register('N2', '91000006', { phone: '13700000016', consent: { call: true } });
  await register('N3', '91000007', { consent: { call: true } });
  for (const [day, card, amount] of [
    ['2026-01-10', '91000001', 300], ['2026-01-25', '91000001', 280], ['2026-03-05', '91000001', 320],
    ['2026-02-01', '91000002', 40],
    ['2026-01-12', '91000003', 120], ['2026-03-01', '91000003', 110],
    ['2026-02-10', '91000004', 90],
    ['2026-01-11', '91000005', 300], ['2026-03-02', '91000005', 300],
    ['2026-06-01', '91000006', 80], ['2026-06-20', '91000006', 60],
    ['2026-01-15', '91000007', 200], ['2026-02-15', '91000007', 200],
  ] as const) await buy(day, card, amount);
  t.clock.set(at('2026-06-30'));
  runDailySweep(sweepDepsFrom(t.deps), t.clock());
  await t.deps.models.reload();
  const scored = ['P1', 'P2', 'P3', 'N1', 'N2', 'N3'].map((k) => ids.get(k)!);
  expect(await rescoreCustomers(t.deps.scoring, scored, t.clock())).toBe(scored.length);
});
afterAll(() => t.close());

describe('GET /api/v1/analytics/at-risk', () => {
  it('lists only at-risk customers who consented to calls and have a phone, highest CLV first, unscored last', async () => {
    const list = await page('');
    const byId = new Map([...ids].map(([k, v]) => [v, k]));
    expect(new Set(list.customers.map((c) => byId.get(c.id)))).toEqual(new Set(['P1', 'P2', 'P3', 'P4']));
    expect(list.total).toBe(4);
    expect(list.next_cursor).toBeNull();
    expect(list.currency).toBe(t.config.STORE_CURRENCY);

    const scored = list.customers.slice(0, 3);
    expect(scored.every((c) => c.clv !== null && c.churn_risk !== null)).toBe(true);
    expect(scored.map((c) => c.clv)).toEqual(scored.map((c) => c.clv).sort((a, b) => b! - a!));
    expect(list.customers[3]).toMatchObject({ id: ids.get('P4'), clv: null, churn_risk: null, phone: '+8613700000014' });

    const p1 = list.customers.find((c) => c.id === ids.get('P1'))!;
    expect(p1).toMatchObject({ name: 'P1', phone: '+8613700000011', last_purchase_at: new Date(at('2026-03-05')).toISOString(), days_since_purchase: 117 });
    expect(p1.churn_risk).toBeGreaterThan(0);
    expect(p1.churn_risk).toBeLessThan(1);
  });

  it('is the call audience of the at-risk stage, in another order', async () => {
    const res = await t.app.request('/api/v1/audiences/export?channel=call&stage=at_risk', { headers: { authorization: `Bearer ${t.tokens.manager}` } });
    const csvIds = (await res.text()).trim().split('\n').slice(1).map((line) => line.split(',')[0]);
    expect(new Set(csvIds)).toEqual(new Set((await page('')).customers.map((c) => c.id)));
  });

  it('reads page by page with the cursor, each customer once, in the same order', async () => {
    const whole = (await page('?limit=200')).customers.map((c) => c.id);
    const first = await page('?limit=3');
    expect(first.customers).toHaveLength(3);
    expect(first.next_cursor).not.toBeNull();
    const second = await page(`?limit=3&cursor=${encodeURIComponent(first.next_cursor!)}`);
    expect(second.next_cursor).toBeNull();
    expect([...first.customers, ...second.customers].map((c) => c.id)).toEqual(whole);
    expect(second.total).toBe(4);
  });

  it('is for managers only and checks its query', async () => {
    expect((await t.call('GET', '/api/v1/analytics/at-risk', { role: 'clerk' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/analytics/at-risk', { role: 'hq' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/analytics/at-risk', { role: null })).status).toBe(401);
    expect((await page('', 'admin')).total).toBe(4);
    for (const q of ['?limit=0', '?limit=201', '?limit=ten', '?cursor=nonsense', '?sort=name']) {
      expect((await t.call('GET', `/api/v1/analytics/at-risk${q}`, { role: 'manager' })).status, q).toBe(422);
    }
  });
});
