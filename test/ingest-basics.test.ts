import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as z from 'zod';
import { errorBodySchema } from '../server/contract/errors.ts';
import { healthSchema } from '../server/contract/health.ts';
import { customerActionsSchema, outcomeResultSchema } from '../server/contract/actions.ts';
import { overviewSchema } from '../server/contract/analytics.ts';
import { erasedCustomerSchema } from '../server/contract/customer.ts';
import { batchResultSchema, ingestResultSchema, posLogResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { jsonOf } from './support/json-of.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';
import { createToken } from '../server/auth/token.service.ts';

let t: TestAppliance;

/** The parts of the OpenAPI document the tests read. */
const jsonSchemaShape = z.looseObject({ required: z.array(z.string()).optional(), properties: z.record(z.string(), z.looseObject({ enum: z.array(z.unknown()).optional() })).optional() });
const operationShape = z.looseObject({
  parameters: z.array(z.looseObject({ name: z.string(), required: z.boolean() })).optional(),
  responses: z.record(z.string(), z.looseObject({ content: z.record(z.string(), z.looseObject({ schema: z.unknown() })).optional() })),
});
const openApiShape = z.looseObject({
  openapi: z.string(),
  components: z.looseObject({ schemas: z.record(z.string(), jsonSchemaShape) }),
  paths: z.record(z.string(), z.looseObject({ get: operationShape.optional(), post: operationShape.optional(), patch: operationShape.optional(), delete: operationShape.optional() })),
});
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

const post = (body: unknown, role: 'terminal' | 'clerk' | null = 'terminal') => t.call('POST', '/api/v1/transactions', { role, body });
/** A post that is stored or replayed: its ingest result. */
const stored = (body: unknown) => t.call('POST', '/api/v1/transactions', { role: 'terminal', body }, ingestResultSchema);
/** A post that is refused: its error body. */
const refused = (body: unknown, role: 'terminal' | 'clerk' | null = 'terminal') => t.call('POST', '/api/v1/transactions', { role, body }, errorBodySchema);

describe('POST /api/v1/transactions', () => {
  it('stores a sale: 201 with id, customer, points and balance', async () => {
    const res = await stored(sale());
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
    const results = await Promise.all(Array.from({ length: 20 }, () => stored(body)));
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
    const res = await refused(changed);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('idempotency_conflict');
    expect(t.counts()).toEqual(before);
  });

  it('refuses a linked return that refunds more than the sale less its earlier returns: 422 with the amounts, nothing written', async () => {
    const bought = sale({ terminal_id: 'T05' });
    await post(bought);
    const original = { terminal_id: 'T05', receipt_no: bought.receipt_no };
    const rice = bought.lines[1]!;
    const tea = bought.lines[0]!;
    const giveBack = (lines: typeof bought.lines) =>
      sale({ kind: 'return', original, lines, tenders: [{ type: 'card', amount: lines.reduce((s, l) => s + l.amount, 0) }] });
    expect((await post(giveBack([rice]))).status).toBe(201);
    const before = t.counts();
    const twice = await refused(giveBack([rice]));
    expect(twice.status).toBe(422);
    expect(twice.body.error).toMatchObject({ code: 'return_exceeds_sale', details: { sale_total: 6390, returned_before: 5490, this_return: 5490, refundable: 900 } });
    expect(t.counts()).toEqual(before);
    expect((await post(giveBack([tea]))).status).toBe(201);
  });

  it('refuses a live post dated before the store\'s records begin (10 years back by default, or STORE_OPENED_ON)', async () => {
    const old = await refused(sale({ occurred_at: '2014-06-01T10:00:00+08:00' }));
    expect(old.status).toBe(422);
    expect(old.body.error.details).toEqual([{ path: 'occurred_at', message: expect.stringContaining('when this store\'s records begin') }]);
    expect((await post(sale({ occurred_at: '2018-06-01T10:00:00+08:00' }))).status).toBe(201);
    const opened = createTestAppliance({ env: { STORE_OPENED_ON: '2026-03-01' } });
    try {
      const early = await opened.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ occurred_at: '2026-02-27T10:00:00+08:00' }) });
      expect(early.status).toBe(422);
      expect((await opened.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ occurred_at: '2026-03-02T10:00:00+08:00' }) })).status).toBe(201);
      expect(opened.counts().transactions).toBe(1);
    } finally {
      opened.close();
    }
  });

  it('keeps void lines as facts that never count', async () => {
    const body = sale();
    body.lines.push({ sku: 'X1', name: 'Scanned twice', category: 'snacks', quantity: 1, unit_price: 100, discount: 0, amount: 100, void: true });
    const res = await stored(body);
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
    const res = await refused(sale(), role);
    expect(res.status).toBe(status);
    expect(res.body.error.code).toBe(status === 401 ? 'unauthorized' : 'forbidden');
    expect(t.counts().transactions).toBe(0);
  });

  it('refuses a token that is not valid with 401', async () => {
    const res = await t.app.request('/api/v1/transactions', { method: 'POST', headers: { authorization: 'Bearer nope' }, body: JSON.stringify(sale()) });
    expect(res.status).toBe(401);
  });

  it('refuses another store and invalid bodies with 422 and field details', async () => {
    const wrong = await refused(sale({ store_id: 'S999' }));
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('wrong_store');
    const invalid = await refused(sale({ lines: [{ sku: 'A', quantity: '2', unit_price: 1, amount: 2 }] }));
    expect(invalid.status).toBe(422);
    expect(invalid.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'lines.0.quantity' })]));
    expect(t.counts().transactions).toBe(0);
  });

  it('refuses an over-size body with 413', async () => {
    const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', rawBody: JSON.stringify({ pad: 'x'.repeat(300 * 1024) }) }, errorBodySchema);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('payload_too_large');
  });
});

describe('POST /api/v1/transactions/batch', () => {
  it('returns one result per item, in order, with duplicates and rejects independent', async () => {
    const a = sale();
    const b = sale({ customer: { phone: '13800000001' } });
    const bad = sale({ lines: [] });
    const res = await t.call('POST', '/api/v1/transactions/batch', { role: 'terminal', body: { transactions: [a, b, a, bad] } }, batchResultSchema);
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.status)).toEqual([201, 201, 200, 422]);
    const id = (r: (typeof res.body.results)[number] | undefined) => (r && 'id' in r ? r.id : undefined);
    expect(id(res.body.results[2])).toBe(id(res.body.results[0]));
    expect(res.body.results[3]).toMatchObject({ index: 3, error: { code: 'validation_failed' } });
    expect(res.body).toMatchObject({ stored: 2, duplicates: 1, rejected: 1 });
    expect(t.counts().transactions).toBe(2);
  });

  it('refuses more than 1000 items', async () => {
    const res = await t.call('POST', '/api/v1/transactions/batch', { role: 'terminal', body: { transactions: Array.from({ length: 1001 }, () => ({})) } });
    expect(res.status).toBe(422);
  });
});

describe('service endpoints', () => {
  it('serves Prometheus metrics to a manager or a metrics token: requests by route pattern, fsyncs, the database; never a customer value', async () => {
    const posted = await post(sale({ customer: { loyalty_card: '88005555' } }));
    const id = ingestResultSchema.parse(posted.body).customer_id!;
    expect((await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88005555', { role: 'clerk' })).status).toBe(200);
    const metricsToken = createToken(t.deps.sqlite, 'metrics', 'prometheus', t.clock()).token;
    const scrape = async (token: string | null) => {
      const res = await t.app.request('/metrics', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
    };
    const m = await scrape(metricsToken);
    expect(m.status).toBe(200);
    expect(m.type).toContain('text/plain');
    expect(m.text).toMatch(/^store_http_requests_total\{route="\/api\/v1\/customers\/:id",method="GET",status="200"\} 1$/m);
    expect(m.text).toMatch(/^store_http_requests_total\{route="\/api\/v1\/transactions",method="POST",status="201"\} \d+$/m);
    expect(m.text).toMatch(/^store_http_request_duration_seconds_bucket\{le="0\.1",route="\/api\/v1\/customers\/lookup",method="GET"\} 1$/m);
    expect(m.text).toMatch(/^store_wal_fsync_seconds_count [1-9]\d*$/m);
    expect(m.text).toMatch(/^store_database_bytes\{store="S001"\} [1-9]\d*$/m);
    expect(m.text).toMatch(/^store_write_queue_depth\{store="S001"\} 0$/m);
    // Not syncing, never scored: no sample, rather than a 0 that would mean something.
    expect(m.text).not.toMatch(/^store_sync_push_lag_changes\{/m);
    expect(m.text).toContain('# TYPE store_sync_push_lag_changes gauge');
    expect(m.text).not.toContain(id);
    expect(m.text).not.toContain('88005555');
    expect((await scrape(t.tokens.manager)).status).toBe(200);
    expect((await scrape(t.tokens.clerk)).status).toBe(403);
    expect((await scrape(null)).status).toBe(401);
    // The metrics token reads nothing else.
    expect((await t.app.request(`/api/v1/customers/${id}`, { headers: { authorization: `Bearer ${metricsToken}` } })).status).toBe(403);
  });

  it('answers /health without auth', async () => {
    const res = await t.call('GET', '/health', { role: null }, healthSchema);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'ok', store_id: 'S001' });
  });

  it('serves an OpenAPI document generated from the zod schemas', async () => {
    const res = await t.call('GET', '/api/v1/openapi.json', { role: null }, openApiShape);
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    const tx = res.body.components.schemas.Transaction;
    expect(tx?.required).toEqual(expect.arrayContaining(['store_id', 'terminal_id', 'receipt_no', 'occurred_at', 'kind', 'lines']));
    expect(tx?.properties?.kind?.enum).toEqual(['sale', 'return']);
    expect(Object.keys(res.body.paths)).toEqual(expect.arrayContaining(['/api/v1/transactions', '/api/v1/customers/{id}', '/api/v1/customers/{id}/actions', '/api/v1/analytics/overview', '/api/v1/audiences/export']));
    expect(res.body.paths['/api/v1/audiences/export']?.get?.parameters).toContainEqual(expect.objectContaining({ name: 'channel', required: true }));
  });

  it('describes every operation\'s success response and the error body of its 4xx answers', async () => {
    const doc = (await t.call('GET', '/api/v1/openapi.json', { role: null }, openApiShape)).body;
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      (['get', 'post', 'patch', 'delete'] as const).flatMap((method) => (item[method] ? [{ at: `${method} ${path}`, op: item[method] }] : [])),
    );
    expect(operations.length).toBeGreaterThanOrEqual(12);
    for (const { at, op } of operations) {
      const codes = Object.keys(op.responses);
      const success = codes.filter((c) => c.startsWith('2'));
      expect(success.length, at).toBeGreaterThan(0);
      // Every success answers a body, but 204 No Content (sign-out).
      for (const c of success.filter((x) => x !== '204')) expect(Object.keys(op.responses[c]?.content ?? {}), `${at} ${c}`).not.toEqual([]);
      for (const c of codes.filter((x) => x.startsWith('4'))) {
        expect(op.responses[c]?.content?.['application/json']?.schema, `${at} ${c}`).toEqual({ $ref: '#/components/schemas/Error' });
      }
    }
    // The documented schemas are the ones the answers are checked with below.
    expect(doc.components.schemas.Error).toEqual(z.toJSONSchema(errorBodySchema, { io: 'output', unrepresentable: 'any' }));
    expect(doc.components.schemas.CustomerCard).toEqual(z.toJSONSchema(customerCardSchema, { io: 'output', unrepresentable: 'any' }));
    expect(doc.paths['/api/v1/transactions/batch']?.post?.responses['200']?.content?.['application/json']?.schema).toEqual({ $ref: '#/components/schemas/BatchResult' });
  });

  it('answers every main route in the shape its contract schema says', async () => {
    // Each call parses the real HTTP answer with the route's contract schema: a field renamed, dropped or of
    // another type on either side fails here.
    const one = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale() }, ingestResultSchema);
    expect(one.status).toBe(201);
    const batch = await t.call('POST', '/api/v1/transactions/batch', { role: 'terminal', body: { transactions: [sale(), sale({ store_id: 'S999' })] } }, batchResultSchema);
    expect(batch.body).toMatchObject({ stored: 1, rejected: 1 });
    const poslog = await t.app.request('/api/v1/poslog', {
      method: 'POST',
      headers: { 'content-type': 'application/xml', authorization: `Bearer ${t.tokens.terminal}` },
      body: readFileSync(join(process.cwd(), 'test', 'import', 'fixtures', 'poslog6-sale-3569.xml')),
    });
    expect(poslog.status).toBe(200);
    expect((await jsonOf(poslog, posLogResultSchema)).results.length).toBeGreaterThan(0);
    const registered = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '13900000077', name: 'Mei', birthday: '1990-11-25' } }, customerCardSchema);
    expect(registered.status).toBe(201);
    const id = registered.body.id;
    await t.call('GET', '/api/v1/customers/lookup?phone=13900000077', { role: 'clerk' }, customerCardSchema);
    const profile = await t.call('GET', `/api/v1/customers/${one.body.customer_id}`, { role: 'clerk' }, customerCardSchema);
    expect(profile.body.transactions).toHaveLength(2); // the single post and the batch's stored item, same card
    await t.call('PATCH', `/api/v1/customers/${id}`, { role: 'clerk', body: { name: 'Mei L.' } }, customerCardSchema);
    const actions = await t.call('GET', `/api/v1/customers/${id}/actions`, { role: 'clerk' }, customerActionsSchema);
    const action = actions.body.actions[0];
    expect(action).toBeDefined();
    await t.call('POST', `/api/v1/actions/${action?.id}/outcome`, { role: 'clerk', body: { outcome: 'done' } }, outcomeResultSchema);
    await t.call('GET', '/api/v1/analytics/overview', { role: 'manager' }, overviewSchema);
    await t.call('GET', '/health', { role: null }, healthSchema);
    await t.call('DELETE', `/api/v1/customers/${id}`, { role: 'manager' }, erasedCustomerSchema);
    // The error bodies of the 4xx answers, details included.
    for (const [path, init] of [
      ['/api/v1/customers/lookup?email=nope', { role: 'clerk' }],
      [`/api/v1/customers/${id}`, { role: 'clerk' }],
      ['/api/v1/customers/NOPE', { role: 'clerk' }],
      ['/api/v1/analytics/overview', { role: 'clerk' }],
      ['/api/v1/analytics/overview', { role: null }],
    ] as const) {
      const res = await t.call('GET', path, init, errorBodySchema);
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
    const first = sale();
    await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: first }, ingestResultSchema);
    const conflict = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: { ...first, coupons: ['X'] } }, errorBodySchema);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.details).toMatchObject({ receipt_no: first.receipt_no });
  });

  it('refuses an answer that breaks the contract', () => {
    // Guards the test above against schemas that accept anything.
    expect(ingestResultSchema.safeParse({ id: 'x', customer_id: null, points_earned: '1' }).success).toBe(false);
    expect(errorBodySchema.safeParse({ error: { code: 'validation_failed', message: 'm', details: [{ field: 'card', message: 'm' }] } }).success).toBe(false);
    expect(errorBodySchema.safeParse({ error: { code: 'no_such_code', message: 'm', details: null } }).success).toBe(false);
  });

  it('answers unknown routes with the uniform error body', async () => {
    const res = await t.call('GET', '/api/v1/nope', {}, errorBodySchema);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'not_found' });
  });
});
