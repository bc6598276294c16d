import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { customerActionsSchema } from '../server/contract/actions.ts';
import { overviewSchema } from '../server/contract/analytics.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

/*
 * A small store whose figures were worked out by hand (2026, Shanghai time):
 *   A: sales Jan 10 (100), Jan 25 (50), Mar 5 (150)        → at risk on Jun 30 (117 days), 300
 *   B: sale Feb 1 (200), linked return Feb 3 (50)           → at risk (one purchase, 149 days), 150
 *   C: sales Jun 1 (80), Jun 20 (20)                         → active, 100
 *   D: registered Jun 15, no purchase                        → new
 *   E: sale Jun 25 (40)                                      → first purchase, 40
 *   anonymous: Mar 1 (60), May 1 (40)                        → 100
 */
let t: TestAppliance;
const at = (d: string) => Date.parse(`${d}T12:00:00+08:00`);

async function post(day: string, amount: number, customer: Record<string, string> | undefined, over: Record<string, unknown> = {}) {
  t.clock.set(at(day));
  const res = await t.call('POST', '/api/v1/transactions', {
    role: 'terminal',
    body: sale({
      occurred_at: new Date(at(day)).toISOString(),
      customer,
      lines: [{ sku: 'X', name: 'x', category: 'c', quantity: 1, unit_price: amount, discount: 0, amount }],
      tenders: [{ type: 'card', amount }],
      ...over,
    }),
  });
  expect(res.status).toBe(201);
}

beforeAll(async () => {
  t = createTestAppliance({ now: '2026-01-01T09:00:00+08:00' });
  await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '90000001', phone: '13700000001', name: 'A, "the regular"', consent: { sms: true } } });
  await post('2026-01-10', 100, { loyalty_card: '90000001' });
  await post('2026-01-25', 50, { loyalty_card: '90000001' });
  await post('2026-02-01', 200, { loyalty_card: '90000002' }, { terminal_id: 'T5', receipt_no: 'B1' });
  await post('2026-02-03', 50, undefined, { kind: 'return', receipt_no: 'B1R', original: { terminal_id: 'T5', receipt_no: 'B1' } });
  await post('2026-03-01', 60, undefined);
  await post('2026-03-05', 150, { loyalty_card: '90000001' });
  await post('2026-05-01', 40, undefined);
  await post('2026-06-01', 80, { loyalty_card: '90000003' });
  t.clock.set(at('2026-06-15'));
  await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '90000004', phone: '13700000004', consent: { sms: true } } });
  await post('2026-06-20', 20, { loyalty_card: '90000003' });
  await post('2026-06-25', 40, { loyalty_card: '90000005' });
  t.clock.set(at('2026-06-30'));
  runDailySweep(sweepDepsFrom(t.deps), t.clock());
});
afterAll(() => t.close());

describe('GET /api/v1/analytics/overview', () => {
  it('matches the hand-computed figures', async () => {
    const res = await t.call('GET', '/api/v1/analytics/overview?from=2026-01-01T00:00:00%2B08:00&to=2026-07-01T00:00:00%2B08:00', { role: 'manager' }, overviewSchema);
    expect(res.status).toBe(200);
    const o = res.body;
    expect(o.revenue).toBe(690);
    expect(o.currency).toBe(t.config.STORE_CURRENCY);
    const stage = (s: string) => o.stages.find((x) => x.stage === s);
    expect(stage('at_risk')).toEqual({ stage: 'at_risk', customers: 2, buyers_in_period: 2, revenue: 450, revenue_share: 0.6522 });
    expect(stage('active')).toEqual({ stage: 'active', customers: 1, buyers_in_period: 1, revenue: 100, revenue_share: 0.1449 });
    expect(stage('first_purchase')).toMatchObject({ customers: 1, revenue: 40, revenue_share: 0.058 });
    expect(stage('new')).toMatchObject({ customers: 1, revenue: 0 });
    expect(o.identified).toEqual({ sales_share: 0.7778, revenue_share: 0.8649, anonymous_revenue: 100 });
    expect(o.top_customers).toEqual({ buyers: 4, top10_revenue_share: 0.5085, top20_revenue_share: 0.5085 });
    expect(o.repeat_conversion).toEqual({
      d30: { eligible: 2, converted: 1, rate: 0.5 },
      d60: { eligible: 2, converted: 1, rate: 0.5 },
      d90: { eligible: 2, converted: 1, rate: 0.5 },
    });
    expect(o.cohorts).toEqual([
      { cohort: '2026-01', customers: 1, retention: [1, 0, 1] },
      { cohort: '2026-02', customers: 1, retention: [1] },
      { cohort: '2026-06', customers: 2, retention: [1] },
    ]);
    expect(o.returns).toEqual({ sales: 9, returns: 1, count_rate: 0.1111, amount_rate: 0.0676 });
    expect(o.segments.map((s) => s.customers).reduce((a, b) => a + b, 0)).toBe(4);
  });

  it('is for managers only and checks its query', async () => {
    expect((await t.call('GET', '/api/v1/analytics/overview', { role: 'clerk' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/analytics/overview?from=yesterday', { role: 'manager' })).status).toBe(422);
    expect((await t.call('GET', '/api/v1/analytics/overview?from=2026-07-01&to=2026-01-01', { role: 'manager' })).status).toBe(422);
  });

  it('reports action conversion by type', async () => {
    const id = (await t.call('GET', '/api/v1/customers/lookup?card=90000004', { role: 'clerk' }, customerCardSchema)).body.id;
    const list = (await t.call('GET', `/api/v1/customers/${id}/actions`, { role: 'clerk' }, customerActionsSchema)).body.actions;
    const welcome = list.find((a) => a.type === 'welcome');
    await t.call('POST', `/api/v1/actions/${welcome!.id}/outcome`, { role: 'clerk', body: { outcome: 'done' } });
    t.clock.advance(3_600_000);
    await post('2026-06-30', 30, { loyalty_card: '90000004' });
    t.clock.advance(3_600_000);
    const o = (await t.call('GET', '/api/v1/analytics/overview?from=2026-06-01&to=2026-07-01', { role: 'manager' }, overviewSchema)).body;
    expect(o.actions).toContainEqual({ type: 'welcome', shown: 1, done: 1, declined: 0, converted: 1, revenue: 30, conversion_rate: 1 });
  });
});

describe('the hq role', () => {
  it('reads the store overview, but no customer profile, no audience export and no writes', async () => {
    expect((await t.call('GET', '/api/v1/analytics/overview?from=2026-01-01&to=2026-07-01', { role: 'hq' })).status).toBe(200);
    const id = (await t.call('GET', '/api/v1/customers/lookup?card=90000001', { role: 'clerk' }, customerCardSchema)).body.id;
    expect((await t.call('GET', `/api/v1/customers/${id}`, { role: 'hq' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/audiences/export?channel=sms', { role: 'hq' })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/transactions', { role: 'hq', body: sale() })).status).toBe(403);
  });
});

describe('GET /api/v1/audiences/export', () => {
  it('exports consenting customers of a stage with their contact as CSV', async () => {
    const res = await t.app.request('/api/v1/audiences/export?channel=sms&stage=at_risk', { headers: { authorization: `Bearer ${t.tokens.manager}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (await res.text()).trim().split('\n');
    expect(lines[0]).toBe('customer_id,name,stage,segment,channel,contact');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^[0-9A-Z]{26},"A, ""the regular""",at_risk,[a-z_]+,sms,'\+8613700000001$/);
    // B bought too but never consented; D consented but is not at risk.
    const all = await t.app.request('/api/v1/audiences/export?channel=sms', { headers: { authorization: `Bearer ${t.tokens.manager}` } });
    expect((await all.text()).trim().split('\n')).toHaveLength(3);
    expect((await t.call('GET', '/api/v1/audiences/export?channel=fax', { role: 'manager' })).status).toBe(422);
    expect((await t.call('GET', '/api/v1/audiences/export?channel=sms', { role: 'clerk' })).status).toBe(403);
  });

  it('is safe to open in a spreadsheet: a cell starting with = + - @ tab or CR is shown, never run', async () => {
    const name = '=HYPERLINK("http://evil.example","click")';
    expect((await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '13700000099', name, consent: { sms: true } } })).status).toBe(201);
    const csv = await (await t.app.request('/api/v1/audiences/export?channel=sms', { headers: { authorization: `Bearer ${t.tokens.manager}` } })).text();
    const row = csv.split('\n').find((l) => l.includes('HYPERLINK'))!;
    expect(row).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    expect(row).toMatch(/,sms,'\+8613700000099$/);
    for (const line of csv.trim().split('\n')) for (const cell of line.split(',')) expect(cell).not.toMatch(/^[=+\-@\t\r]/);
  });
});
