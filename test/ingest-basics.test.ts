import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

describe('POST /api/v1/transactions', () => {
  it('stores a sale: 201 with id, customer, points and balance', async () => {
    const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale() });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ points_earned: 63, points_redeemed: 0, points_balance: 63 });
    expect(res.body.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(res.body.customer_id).toMatch(/^[0-9A-Z]{26}$/);
    expect(t.counts()).toMatchObject({ transactions: 1, lines: 2, ledger: 1, customers: 1 });
  });
});
