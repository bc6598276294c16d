import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

const post = (body: unknown, role: 'terminal' | 'clerk' | null = 'terminal') => t.call('POST', '/api/v1/transactions', { role, body });

describe('POST /api/v1/transactions', () => {
  it('stores a sale: 201 with id, customer, points and balance', async () => {
    const res = await post(sale());
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ points_earned: 63, points_redeemed: 0, points_balance: 63, original_id: null });
    expect(res.body.id).toMatch(/^[0-9A-Z]{26}$/);
    expect(res.body.customer_id).toMatch(/^[0-9A-Z]{26}$/);
    expect(t.counts()).toMatchObject({ transactions: 1, lines: 2, ledger: 1, customers: 1 });
    const row = t.deps.sqlite.query('SELECT total, utc_offset_min, occurred_at FROM transactions').get() as Record<string, number>;
    expect(row).toEqual({ total: 6390, utc_offset_min: 480, occurred_at: Date.parse('2026-11-22T02:15:00Z') });
  });

  it('stores an anonymous sale without customer or points', async () => {
    const res = await post(sale({ customer: undefined }));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ customer_id: null, points_earned: 0, points_balance: null });
    expect(t.counts()).toMatchObject({ transactions: 1, customers: 0, ledger: 0 });
  });

  it('replays the same receipt with the same content as 200 and the first result, writing nothing', async () => {
    const body = sale();
    const first = await post(body);
    const before = t.counts();
    // Same content written differently (key order, 9 vs 9.00) is the same transaction.
    const reordered = Object.fromEntries(Object.entries(body).reverse());
    const again = await post(reordered);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(t.counts()).toEqual(before);
  });

  it('answers concurrent duplicates with one 201 and 200s carrying the same id', async () => {
    const body = sale();
    const results = await Promise.all(Array.from({ length: 20 }, () => post(body)));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 200)).toHaveLength(19);
    expect(new Set(results.map((r) => r.body.id)).size).toBe(1);
    expect(t.counts()).toMatchObject({ transactions: 1, ledger: 1 });
  });

  it('refuses the same receipt with different content: 409, nothing written', async () => {
    const body = sale();
    await post(body);
    const before = t.counts();
    const changed = { ...body, lines: [{ ...body.lines[0], quantity: 3, amount: 13.5 }], tenders: [{ type: 'card', amount: 13.5 }] };
    const res = await post(changed);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_conflict');
    expect(t.counts()).toEqual(before);
  });

  it('keeps void lines as facts that never count', async () => {
    const body = sale();
    body.lines.push({ sku: 'X1', name: 'Scanned twice', category: 'snacks', quantity: 1, unit_price: 100, discount: 0, amount: 100, void: true });
    const res = await post(body);
    expect(res.status).toBe(201);
    expect(res.body.points_earned).toBe(63);
    expect(t.counts().lines).toBe(3);
    const total = (t.deps.sqlite.query('SELECT total FROM transactions').get() as { total: number }).total;
    expect(total).toBe(6390);
  });

  it('stores weighed items in thousandths', async () => {
    const res = await post(sale({
      lines: [{ sku: 'APL', name: 'Apples', category: 'produce', quantity: 0.42, unit_price: 12.99, discount: 0, amount: 5.46 }],
      tenders: [{ type: 'cash', amount: 10 }],
      change: 4.54,
    }));
    expect(res.status).toBe(201);
    expect(t.deps.sqlite.query('SELECT quantity_milli, amount FROM transaction_lines').get()).toEqual({ quantity_milli: 420, amount: 546 });
  });

  it.each([
    ['no token', null, 401],
    ['a clerk', 'clerk', 403],
  ] as const)('refuses %s', async (_what, role, status) => {
    const res = await post(sale(), role);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
    expect(t.counts().transactions).toBe(0);
  });

  it('refuses a token that is not valid with 401', async () => {
    const res = await t.app.request('/api/v1/transactions', { method: 'POST', headers: { authorization: 'Bearer nope' }, body: JSON.stringify(sale()) });
    expect(res.status).toBe(401);
  });

  it('refuses another store and invalid bodies with 422 and field details', async () => {
    const wrong = await post(sale({ store_id: 'S999' }));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('wrong_store');
    const invalid = await post(sale({ lines: [{ sku: 'A', quantity: '2', unit_price: 1, amount: 2 }] }));
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'lines.0.quantity' })]));
    expect(t.counts().transactions).toBe(0);
  });

  it('refuses an over-size body with 413', async () => {
    const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', rawBody: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('POST /api/v1/transactions/batch', () => {
  it('returns one result per item, in order, with duplicates and rejects independent', async () => {
    const a = sale();
    const b = sale({ customer: { phone: '13800000001' } });
    const bad = sale({ lines: [] });
    const res = await t.call('POST', '/api/v1/transactions/batch', { role: 'terminal', body: { transactions: [a, b, a, bad] } });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r: { status: number }) => r.status)).toEqual([201, 201, 200, 422]);
    expect(res.body.results[2].id).toBe(res.body.results[0].id);
    expect(res.body).toMatchObject({ stored: 2, duplicates: 1, rejected: 1 });
    expect(t.counts().transactions).toBe(2);
  });

  it('refuses more than 1000 items', async () => {
    const res = await t.call('POST', '/api/v1/transactions/batch', { role: 'terminal', body: { transactions: Array.from({ length: 1001 }, () => ({})) } });
    expect(res.status).toBe(422);
  });
});

describe('service endpoints', () => {
  it('answers /health without auth', async () => {
    const res = await t.call('GET', '/health', { role: null });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store_id: 'S001' });
  });

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const res = await t.call('GET', '/api/v1/openapi.json', { role: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const tx = res.body.components.schemas.Transaction;
    expect(tx.required).toEqual(expect.arrayContaining(['store_id', 'terminal_id', 'receipt_no', 'occurred_at', 'kind', 'lines']));
    expect(tx.properties.kind.enum).toEqual(['sale', 'return']);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/transactions', '/api/v1/customers/{id}', '/api/v1/customers/{id}/actions', '/api/v1/analytics/overview', '/api/v1/audiences/export']));
    expect(res.body.paths['/api/v1/audiences/export'].get.parameters).toContainEqual(expect.objectContaining({ name: 'channel', required: true }));
  });

  it('answers unknown routes with the uniform error body', async () => {
    const res = await t.call('GET', '/api/v1/nope');
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found' });
  });
});
