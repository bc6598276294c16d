import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { todayListSchema } from '../server/contract/actions.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { rescoreEveryone } from '../server/scoring/serving/scores.service.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance({ now: '2026-11-22T10:00:00+08:00' });
});
afterEach(() => t.close());

const register = async (body: Record<string, unknown>) => (await t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema)).body.id;
const buy = async (card: string, amount: number) => {
  const res = await t.call('POST', '/api/v1/transactions', {
    role: 'terminal',
    body: sale({
      occurred_at: new Date(t.clock()).toISOString(),
      customer: { loyalty_card: card },
      lines: [{ sku: 'TEA', name: 'Tea', category: 'drinks', quantity: 1, unit_price: amount, discount: 0, amount }],
      tenders: [{ type: 'card', amount }],
    }),
  });
  expect(res.status).toBe(201);
};

describe("today's list", () => {
  it('lists the outreach the store may do today, the most valuable customers first, with channel and script', async () => {
    // At risk and willing to take a call; a big spender.
    const caller = await register({ loyalty_card: '88000001', name: 'Chen Jie', consent: { call: true } });
    // At risk but no consent to calls, no birthday, no points expiring: nobody to call today.
    await register({ loyalty_card: '88000002', name: 'Zhou Min', consent: { call: false } });
    for (const card of ['88000001', '88000002']) {
      await buy(card, 900);
      t.clock.advance(10 * DAY_MS);
      await buy(card, 900);
    }
    t.clock.advance(120 * DAY_MS);
    runDailySweep(sweepDepsFrom(t.deps), t.clock());
    // A birthday in three days (store-local date), registered today.
    const local = new Date(t.clock() + 8 * 3_600_000 + 3 * DAY_MS).toISOString().slice(5, 10);
    const birthday = await register({ loyalty_card: '88000003', name: 'Li Na', birthday: `1990-${local}` });
    await t.deps.models.reload();
    await rescoreEveryone(t.deps.scoring, t.clock());

    const res = await t.call('GET', '/api/v1/today', { role: 'clerk' }, todayListSchema);
    expect(res.status).toBe(200);
    expect(res.body.currency).toBe('CNY');
    const rows = res.body.items.map((i) => [i.customer.id, i.action.type]);
    expect(rows).toContainEqual([caller, 'win_back']);
    expect(rows).toContainEqual([birthday, 'birthday']);
    expect(res.body.items.some((i) => i.customer.name === 'Zhou Min')).toBe(false);
    // Highest value first: the caller has bought, the new birthday customer has not.
    const order = res.body.items.map((i) => i.customer.id);
    expect(order.indexOf(caller)).toBeLessThan(order.indexOf(birthday));
    const callRow = res.body.items.find((i) => i.customer.id === caller)!;
    expect(callRow.customer).toMatchObject({ stage: 'at_risk', consent: ['call'] });
    expect(callRow.customer.clv).toBeGreaterThan(0);
    expect(callRow.action.script).toContain('So good to see you again');
    // The list's actions are the customer's own: an outcome can be recorded on them.
    expect((await t.call('POST', `/api/v1/actions/${callRow.action.id}/outcome`, { role: 'clerk', body: { outcome: 'done' } })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/today', { role: 'terminal' })).status).toBe(403);
  });
});
