import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../server/kernel/clock.ts';
import { seededRandom } from '../server/demo/random.ts';
import { pointsView } from '../server/loyalty/loyalty.service.ts';
import { errorBodySchema } from '../server/contract/errors.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { parseWith } from './support/json-of.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance({ now: '2026-01-10T12:00:00+08:00' });
});
afterEach(() => t.close());

const iso = (ms: number) => new Date(ms).toISOString();
const post = (body: unknown) => t.call('POST', '/api/v1/transactions', { role: 'terminal', body }, ingestResultSchema);
const postAny = (body: unknown) => t.call('POST', '/api/v1/transactions', { role: 'terminal', body });
const profileOf = async (id: string | null) => (await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }, customerCardSchema)).body;
const points = async (id: string | null) => (await profileOf(id)).points;

/** A sale of `amount` (currency units) at the clock's current time. */
const saleOf = (amount: number, over: Record<string, unknown> = {}) =>
  sale({
    occurred_at: iso(t.clock()),
    lines: [{ sku: 'SKU1', name: 'Thing', category: 'general', quantity: 1, unit_price: amount, discount: 0, amount }],
    tenders: [{ type: 'card', amount }],
    ...over,
  });

function ledgerMatchesBalance() {
  const rows = t.deps.sqlite
    .query(`SELECT p.customer_id, p.balance, (SELECT sum(points) FROM loyalty_ledger l WHERE l.customer_id = p.customer_id) AS sum FROM customer_points p`)
    .all() as Array<{ balance: number; sum: number }>;
  for (const r of rows) expect(r.balance).toBe(r.sum);
}

describe('points ledger', () => {
  it('moves points pending → spendable after the return window → expired after a year (FIFO)', async () => {
    const first = await post(saleOf(100));
    const id = first.body.customer_id;
    expect(await points(id)).toEqual({ balance: 100, spendable: 0, pending: 100, expiring_30d: 0 });

    t.clock.advance(15 * DAY_MS);
    expect(await points(id)).toMatchObject({ spendable: 100, pending: 0 });

    await post(saleOf(50)); // a second lot, 15 days younger
    t.clock.advance(325 * DAY_MS); // 340 days after the first sale: it expires within 30 days, the second not
    expect(await points(id)).toEqual({ balance: 150, spendable: 150, pending: 0, expiring_30d: 100 });

    t.clock.advance(26 * DAY_MS); // 366 days: the first lot has expired, the second has not
    expect(await points(id)).toEqual({ balance: 50, spendable: 50, pending: 0, expiring_30d: 50 });

    // The next transaction writes the expiry into the ledger; the balance then equals the ledger sum.
    const later = await post(saleOf(10));
    expect(later.body.points_balance).toBe(60);
    const expire = t.deps.sqlite.query("SELECT points FROM loyalty_ledger WHERE kind = 'expire'").all();
    expect(expire).toEqual([{ points: -100 }]);
    ledgerMatchesBalance();
  });

  it('keeps a backdated sale\'s points pending for the return window counted from when the store received it', async () => {
    const posted = await post(saleOf(100, { occurred_at: iso(t.clock() - 20 * DAY_MS) }));
    expect(posted.status).toBe(201);
    // Twenty days old, but received now: a return may still come for 14 days.
    expect(await points(posted.body.customer_id)).toMatchObject({ balance: 100, spendable: 0, pending: 100 });
    t.clock.advance(14 * DAY_MS + 1);
    expect(await points(posted.body.customer_id)).toMatchObject({ spendable: 100, pending: 0 });
  });

  it('redeems spendable points first-to-expire first, and refuses with 409 when short', async () => {
    const { body } = await post(saleOf(80));
    t.clock.advance(20 * DAY_MS);
    await post(saleOf(30)); // still pending
    expect(await points(body.customer_id)).toMatchObject({ spendable: 80, pending: 30 });

    const before = t.counts();
    const tooMuch = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: saleOf(5, { points_redeemed: 81 }) }, errorBodySchema);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error).toMatchObject({ code: 'insufficient_points', details: { spendable: 80, requested: 81 } });
    expect(t.counts()).toEqual(before);

    const ok = await post(saleOf(5, { points_redeemed: 80 }));
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({ points_redeemed: 80, points_earned: 5, points_balance: 35 });
    expect(await points(body.customer_id)).toMatchObject({ spendable: 0, pending: 35 });
    ledgerMatchesBalance();
  });

  it('reverses the points of what a linked return gives back, never more than the sale earned', async () => {
    const original = saleOf(100, { terminal_id: 'T02', receipt_no: 'S-1' });
    const sold = await post(original);
    const ret = (receipt: string, amount: number) =>
      saleOf(amount, { kind: 'return', receipt_no: receipt, customer: undefined, original: { terminal_id: 'T02', receipt_no: 'S-1' } });

    const r1 = await post(ret('R-1', 60));
    expect(r1.status).toBe(201);
    // No customer on the return: it is the original sale's customer.
    expect(r1.body).toMatchObject({ customer_id: sold.body.customer_id, original_id: sold.body.id, points_reversed: 60, points_balance: 40 });
    // More than the rest of the sale is refused (ingest-basics.test.ts); the rest is not.
    expect((await postAny(ret('R-2', 60))).status).toBe(422);
    const r2 = await post(ret('R-3', 40));
    expect(r2.body).toMatchObject({ points_reversed: 40, points_balance: 0 });

    const stats = (await profileOf(sold.body.customer_id)).stats;
    expect(stats).toMatchObject({ visits_total: 1, spend_total: 0, returns: { count: 2, amount: 100 } });
    ledgerMatchesBalance();
  });

  it('reverses a return without original by its amount, and lets the balance go into debt that later earnings repay', async () => {
    const sold = await post(saleOf(30));
    t.clock.advance(15 * DAY_MS);
    await post(saleOf(1, { points_redeemed: 30 }));
    const ret = await post(saleOf(30, { kind: 'return' }));
    expect(ret.status).toBe(201);
    expect(ret.body).toMatchObject({ original_id: null, points_reversed: 30, points_balance: -29 });
    t.clock.advance(15 * DAY_MS);
    await post(saleOf(50));
    t.clock.advance(15 * DAY_MS);
    expect(await points(sold.body.customer_id)).toMatchObject({ balance: 21, spendable: 21 });
    ledgerMatchesBalance();
  });

  it('never changes points when a transaction is re-posted', async () => {
    const body = saleOf(100);
    await post(body);
    await post(body);
    await post(body);
    expect(t.deps.sqlite.query('SELECT count(*) AS n, sum(points) AS s FROM loyalty_ledger').get()).toEqual({ n: 1, s: 100 });
  });

  it('places the customer in a tier by points earned in the rolling 12 months', async () => {
    const first = await post(saleOf(900));
    const profile = async () => (await profileOf(first.body.customer_id)).tier;
    expect(await profile()).toEqual({ name: 'Silver', points_earned_12m: 900, next: { name: 'Gold', points_needed: 100 } });
    t.clock.advance(200 * DAY_MS);
    await post(saleOf(200));
    expect(await profile()).toMatchObject({ name: 'Gold', points_earned_12m: 1100 });
    t.clock.advance(200 * DAY_MS); // the 900 are now older than 12 months (and expired), the tier follows
    expect(await profile()).toMatchObject({ name: 'Silver', points_earned_12m: 200 });
  });

  it('answers the same balance on the fast path (no replay) as a full replay of the ledger, over a random history', async () => {
    const rnd = seededRandom(3);
    const cards = ['70000001', '70000002', '70000003'];
    const sales: Array<{ card: string; receipt: string; amount: number }> = [];
    for (let i = 0; i < 150; i++) {
      t.clock.advance(rnd.int(0, 40) * DAY_MS + rnd.int(0, 3_600_000));
      const card = rnd.pick(cards);
      const roll = rnd.next();
      let res;
      if (roll < 0.1 && sales.length > 0) {
        const s = rnd.pick(sales);
        res = await postAny(saleOf(Math.min(s.amount, rnd.int(1, 50)), { kind: 'return', receipt_no: `RET${i}`, customer: undefined, original: { terminal_id: 'T01', receipt_no: s.receipt } }));
      } else {
        const amount = rnd.int(1, 300);
        const redeem = roll < 0.2 ? rnd.int(1, 100) : 0;
        res = await postAny(saleOf(amount, { receipt_no: `S${i}`, customer: { loyalty_card: card }, points_redeemed: redeem }));
        if (res.status === 201) sales.push({ card, receipt: `S${i}`, amount });
      }
      if (res.status === 409) continue; // not enough points to redeem
      expect(res.status).toBe(201);
      const stored = parseWith(ingestResultSchema, res.body, 'ingest result');
      expect(stored.customer_id).not.toBeNull();
      const view = pointsView(t.deps.sqlite, t.deps.rules, stored.customer_id ?? '', t.clock());
      expect(stored.points_balance).toBe(view.balance);
    }
    ledgerMatchesBalance();
  });
});
