import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../server/kernel/clock.ts';
import { rebuildEverything } from '../server/orchestration/rebuild.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { erasedCustomerSchema } from '../server/contract/customer.ts';
import { errorBodySchema } from '../server/contract/errors.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

const post = (body: unknown) => t.call('POST', '/api/v1/transactions', { role: 'terminal', body }, ingestResultSchema);
const register = (body: unknown) => t.call('POST', '/api/v1/customers', { role: 'clerk', body });
/** A registration that succeeds: its profile. */
const registered = (body: unknown) => t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema);
const card = (path: string) => t.call('GET', path, { role: 'clerk' }, customerCardSchema);

const alice = {
  loyalty_card: '8800 1234',
  phone: '138 0000 0000',
  email: 'Alice@Example.CN',
  name: 'Alice Wang',
  birthday: '1990-11-25',
  gender: 'f',
  consent: { sms: true, email: false, push: true, call: false },
};

describe('customers API', () => {
  it('registers a customer (201, normalized and masked identifiers) and finds them by any identifier', async () => {
    const res = await registered(alice);
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Alice Wang', birthday: '1990-11-25', gender: 'f', consent: alice.consent });
    expect(res.body.identifiers).toEqual(
      expect.arrayContaining([
        { kind: 'card', masked: '****1234' },
        { kind: 'phone', masked: '+86*******0000' },
        { kind: 'email', masked: 'a***@example.cn' },
      ]),
    );
    expect(JSON.stringify(res.body)).not.toContain('13800000000');
    for (const q of ['card=88001234', 'phone=%2B8613800000000', 'phone=13800000000', 'email=alice@example.cn']) {
      const found = await card(`/api/v1/customers/lookup?${q}`);
      expect(found.status, q).toBe(200);
      expect(found.body.id).toBe(res.body.id);
    }
    expect((await t.call('GET', '/api/v1/customers/lookup?card=99999999', { role: 'clerk' })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/customers/lookup', { role: 'clerk' })).status).toBe(422);
    const badEmail = await t.call('GET', '/api/v1/customers/lookup?email=not-an-email', { role: 'clerk' }, errorBodySchema);
    expect(badEmail.status).toBe(422);
    expect(badEmail.body.error).toMatchObject({ code: 'validation_failed', details: [{ path: 'email', message: expect.any(String) }] });
  });

  it('refuses an identifier that already belongs to someone (409) and a registration without identifier (422)', async () => {
    await register(alice);
    const before = t.counts();
    const dup = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '+86 138-0000-0000', name: 'Bob' } }, errorBodySchema);
    expect(dup.status).toBe(409);
    expect(dup.body.error).toMatchObject({ code: 'identifier_taken', details: [{ kind: 'phone' }] });
    expect((await register({ name: 'Nobody' })).status).toBe(422);
    expect((await register({ phone: 'not a phone' })).status).toBe(422);
    expect(t.counts()).toEqual(before);
  });

  it('lets terminals read nothing personal', async () => {
    const { body } = await registered(alice);
    expect((await t.call('GET', `/api/v1/customers/${body.id}`, { role: 'terminal' })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001234', { role: 'terminal' })).status).toBe(403);
    expect((await t.call('POST', '/api/v1/customers', { role: 'terminal', body: { phone: '13900000000' } })).status).toBe(403);
  });

  it('updates profile, consent and identifiers with PATCH', async () => {
    const { body } = await registered(alice);
    const res = await t.call('PATCH', `/api/v1/customers/${body.id}`, { role: 'clerk', body: { name: 'Alice W.', consent: { email: true }, phone: '13900000000' } }, customerCardSchema);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Alice W.', consent: { sms: true, email: true, push: true, call: false } });
    expect((await card('/api/v1/customers/lookup?phone=13900000000')).body.id).toBe(body.id);
    expect((await t.call('GET', '/api/v1/customers/lookup?phone=13800000000', { role: 'clerk' })).status).toBe(404);
    expect((await t.call('PATCH', `/api/v1/customers/${body.id}`, { role: 'clerk', body: { birthday: '1990-02-30' } })).status).toBe(422);
    // The test clock's today is 2026-11-22: a birthday after it is refused, naming the field; today is fine.
    const future = await t.call('PATCH', `/api/v1/customers/${body.id}`, { role: 'clerk', body: { birthday: '2026-12-25' } });
    expect(future.status).toBe(422);
    expect(future.body).toMatchObject({ error: { code: 'validation_failed', details: [{ path: 'birthday' }] } });
    expect((await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '13900000077', birthday: '2031-01-01' } })).status).toBe(422);
    expect((await t.call('PATCH', `/api/v1/customers/${body.id}`, { role: 'clerk', body: { birthday: '2026-11-22' } })).status).toBe(200);
    expect((await t.call('PATCH', '/api/v1/customers/NOPE', { role: 'clerk', body: { name: 'x' } })).status).toBe(404);
  });

  it('creates the customer from an unknown identifier on a transaction, and links new identifiers to them', async () => {
    const first = await post(sale({ customer: { loyalty_card: '77770001' } }));
    const second = await post(sale({ customer: { loyalty_card: '77770001', email: 'new@shop.cn' } }));
    expect(second.body.customer_id).toBe(first.body.customer_id);
    const found = await card('/api/v1/customers/lookup?email=NEW@shop.cn');
    expect(found.body).toMatchObject({ id: first.body.customer_id, stats: { visits_total: 2 } });
  });

  it('folds a shadow customer named beside a registered one into them, keeping history but none of the shadow\'s identifiers', async () => {
    const alice = await registered({ loyalty_card: '66660009', name: 'Alice', birthday: '1990-11-25', consent: { sms: true } });
    t.clock.advance(DAY_MS);
    const byCard = await post(sale({ customer: { loyalty_card: '66660001', email: 'alice@home.cn' } }));
    expect(byCard.body.customer_id).not.toBe(alice.body.id);
    t.clock.advance(DAY_MS);
    const linking = await post(sale({ customer: { loyalty_card: '66660009', email: 'alice@home.cn' } }));
    expect(linking.body.customer_id).toBe(alice.body.id); // the registered customer survives

    const profile = (await card(`/api/v1/customers/${alice.body.id}`)).body;
    expect(profile.merged_ids).toEqual([byCard.body.customer_id]);
    // Neither the shadow's card nor its email comes along: POS data never adds an identifier to a registered customer.
    expect(profile.identifiers.map((i) => i.kind)).toEqual(['card']);
    expect((await t.call('GET', '/api/v1/customers/lookup?email=alice@home.cn', { role: 'clerk' })).status).toBe(404);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=66660001', { role: 'clerk' })).status).toBe(404);
    expect(profile).toMatchObject({ name: 'Alice', birthday: '1990-11-25', consent: { sms: true } });
    expect(profile.stats.visits_total).toBe(2);
    expect(profile.transactions).toHaveLength(2);
    expect(profile.points.balance).toBe(126);
    // The alias still answers, with the survivor.
    const viaAlias = await card(`/api/v1/customers/${byCard.body.customer_id}`);
    expect(viaAlias.body.id).toBe(alice.body.id);
    const events = t.deps.sqlite.query("SELECT customer_id, data FROM customer_events WHERE kind = 'merged'").all() as Array<{ customer_id: string; data: string }>;
    expect(events).toHaveLength(1);
    expect(JSON.parse(events[0]!.data)).toMatchObject({ merged_id: byCard.body.customer_id });
    expect(t.deps.sqlite.query('SELECT count(*) AS n FROM customer_points').get()).toEqual({ n: 1 });
  });

  it('erases personal data on DELETE (manager) and keeps de-identified facts', async () => {
    const { body } = await registered(alice);
    await post(sale({ customer: { loyalty_card: '88001234' } }));
    expect((await t.call('DELETE', `/api/v1/customers/${body.id}`, { role: 'clerk' })).status).toBe(403);
    const del = await t.call('DELETE', `/api/v1/customers/${body.id}`, { role: 'manager' }, erasedCustomerSchema);
    expect(del.status).toBe(200);
    expect(del.body).toEqual({ id: body.id, erased: true });
    expect((await t.call('GET', `/api/v1/customers/${body.id}`, { role: 'clerk' })).status).toBe(410);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001234', { role: 'clerk' })).status).toBe(404);
    const row = t.deps.sqlite.query('SELECT name, birthday, gender, consent_sms, erased_at FROM customers WHERE id = ?').get(body.id) as Record<string, unknown>;
    expect(row).toMatchObject({ name: null, birthday: null, gender: null, consent_sms: null });
    expect(row.erased_at).not.toBeNull();
    expect(t.deps.sqlite.query('SELECT count(*) AS n FROM identity_links').get()).toEqual({ n: 0 });
    // Facts stay (pseudonymous): the store's figures do not change.
    expect(t.deps.sqlite.query('SELECT count(*) AS n FROM transactions WHERE customer_id = ?').get(body.id)).toEqual({ n: 1 });
    const dump = JSON.stringify(t.deps.sqlite.query('SELECT * FROM customer_events').all());
    expect(dump).not.toMatch(/Alice|8800|1380|example/i);
    // The same card shows up again later: a new, unrelated customer.
    const again = await post(sale({ customer: { loyalty_card: '88001234' } }));
    expect(again.body.customer_id).not.toBe(body.id);
  });
});

describe('derived data', () => {
  it('rebuild from facts gives the same derived tables as incremental maintenance', async () => {
    const cards = ['10000001', '10000002', '10000003', '10000004'];
    for (let i = 0; i < 40; i++) {
      t.clock.advance(DAY_MS / 3);
      const card = cards[i % cards.length]!;
      const amount = 10 + ((i * 7) % 50);
      const kind = i % 9 === 8 ? 'return' : 'sale';
      await post(sale({
        kind,
        occurred_at: new Date(t.clock()).toISOString(),
        customer: i % 13 === 0 ? { loyalty_card: card, phone: `1380000000${i % 4}` } : { loyalty_card: card },
        lines: [{ sku: `S${i % 5}`, name: 'x', category: 'c', quantity: 1, unit_price: amount, discount: 0, amount }],
        tenders: [{ type: 'card', amount }],
      }));
    }
    const snapshot = () => ({
      stats: t.deps.sqlite.query('SELECT * FROM customer_stats ORDER BY customer_id').all(),
      points: t.deps.sqlite.query('SELECT customer_id, balance FROM customer_points ORDER BY customer_id').all(),
      months: t.deps.sqlite.query('SELECT * FROM customer_months ORDER BY customer_id, month').all(),
      lifecycle: t.deps.sqlite.query('SELECT customer_id, stage, since, purchase_count, first_purchase_at, last_purchase_at, second_purchase_at, median_gap_ms, active_since FROM customer_lifecycle ORDER BY customer_id').all(),
      catalog: t.deps.sqlite.query('SELECT sku, first_sold_at, last_sold_at, previous_sold_at FROM catalog_items ORDER BY sku').all(),
    });
    runDailySweep(sweepDepsFrom(t.deps), t.clock()); // the catalog is maintained by the sweep
    const incremental = snapshot();
    expect(incremental.stats.length).toBeGreaterThan(0);
    rebuildEverything(t.deps, t.clock());
    expect(snapshot()).toEqual(incremental);
  });
});
