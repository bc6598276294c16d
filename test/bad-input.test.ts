import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type ErrorBody, errorBodySchema, fieldIssuesSchema } from '../server/contract/errors.ts';
import { type BatchItemResult, batchResultSchema, ingestResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { parseWith } from './support/json-of.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

/*
 * A corpus of bad input, each posted through the real HTTP stack (app.request) with a terminal or clerk
 * token. Every case must get its 4xx with the uniform `{error:{code,message,details}}` body and leave
 * every table as it was. Decisions the corpus pins (README, "API"): amounts and quantities are JSON
 * numbers ("9.0" as a string is refused); unknown fields are refused with 422 naming the field; a body
 * with a non-JSON Content-Type is 415 (no Content-Type is read as JSON); strings with NUL or an unpaired
 * surrogate are refused, every other character is stored exactly as sent.
 */

type Role = 'terminal' | 'clerk';
type Body = string | Uint8Array<ArrayBuffer> | ReadableStream<Uint8Array>;

interface Answer {
  status: number;
  body: unknown;
  /** The response's X-Request-Id. */
  requestId: string | null;
}

async function send(t: TestAppliance, path: string, body: Body | undefined, opts: { role?: Role; headers?: Record<string, string> } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${t.tokens[opts.role ?? 'terminal']}`, ...opts.headers };
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
  const init: RequestInit & { duplex?: 'half' } = { method: 'POST', headers, body };
  if (body instanceof ReadableStream) init.duplex = 'half';
  const res = await t.app.request(path, init);
  const text = await res.text();
  let json: unknown = text;
  try {
    json = JSON.parse(text);
  } catch {
    // left as text: the shape assertion below will say so
  }
  return { status: res.status, body: json, requestId: res.headers.get('x-request-id') };
}

/** The error body, checked against the contract (its details too, for the codes that fix their shape). */
const errorOf = (res: Answer) => parseWith(errorBodySchema, res.body, `${res.status} body`).error;

function expectUniformError(res: Answer, status: number, code: string): void {
  expect({ status: res.status, code: errorOf(res).code }).toEqual({ status, code });
  // Parsed, the body is known to be an error body; its own keys show nothing else rides along.
  const raw = res.body as ErrorBody;
  expect(Object.keys(raw)).toEqual(['error']);
  expect(Object.keys(raw.error).sort()).toEqual(['code', 'details', 'message', 'request_id']);
  // The request's id, as in its header and log lines, for a support call to quote.
  expect(raw.error.request_id).toBe(res.requestId);
  expect(res.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(raw.error.message.length).toBeGreaterThan(0);
}

/** For 422s: the details name the offending field (and, for unknown keys, the key itself). */
function expectDetail(res: Answer, path: string, messageIncludes?: string): void {
  const details = parseWith(fieldIssuesSchema, errorOf(res).details, 'details');
  const match = details.find((d) => d.path === path && (messageIncludes === undefined || d.message.includes(messageIncludes)));
  expect(match, `no detail for "${path}" in ${JSON.stringify(details)}`).toBeDefined();
}

const json = (value: unknown) => JSON.stringify(value);
/** A sale whose JSON text is edited after serialization (for literals JSON.stringify cannot write). */
const edited = (from: string, to: string) => {
  const text = json(sale());
  if (!text.includes(from)) throw new Error(`fixture does not contain ${from}`);
  return text.replace(from, to);
};
const withLine = (line: Record<string, unknown>, over: Record<string, unknown> = {}) => {
  const base = sale().lines[0] as Record<string, unknown>;
  return json(sale({ lines: [{ ...base, ...line }], tenders: [], ...over }));
};
const without = (obj: Record<string, unknown>, key: string) => Object.fromEntries(Object.entries(obj).filter(([k]) => k !== key));
const invalidUtf8 = () => {
  const bytes = new TextEncoder().encode(withLine({ name: 'Oolong ?' }));
  bytes[bytes.indexOf(0x3f)] = 0xff; // a byte that never occurs in UTF-8
  return bytes;
};
const MB = 1024 * 1024;

interface Case {
  name: string;
  body: () => Body;
  status: number;
  code: string;
  /** A details[].path the answer must name (422s). */
  path?: string;
  message?: string;
  headers?: Record<string, string>;
  role?: Role;
}

const transactionCases: Case[] = [
  // Not JSON at all: 400.
  { name: 'truncated JSON', body: () => json(sale()).slice(0, -7), status: 400, code: 'invalid_json' },
  { name: 'trailing garbage', body: () => `${json(sale())}xyz`, status: 400, code: 'invalid_json' },
  { name: 'two documents', body: () => json(sale()) + json(sale()), status: 400, code: 'invalid_json' },
  { name: 'empty body', body: () => '', status: 400, code: 'invalid_json' },
  { name: 'whitespace only', body: () => ' \n\t ', status: 400, code: 'invalid_json' },
  { name: 'NaN literal', body: () => edited('"amount":9', '"amount":NaN'), status: 400, code: 'invalid_json' },
  { name: 'Infinity literal', body: () => edited('"amount":9', '"amount":Infinity'), status: 400, code: 'invalid_json' },
  { name: 'single quotes', body: () => "{'store_id':'S001'}", status: 400, code: 'invalid_json' },
  { name: 'a comment', body: () => `// POS v2\n${json(sale())}`, status: 400, code: 'invalid_json' },
  { name: 'bytes that are not UTF-8', body: invalidUtf8, status: 400, code: 'invalid_json' },
  // JSON, but not a transaction object.
  { name: 'a JSON array', body: () => json([sale()]), status: 422, code: 'validation_failed', path: '' },
  { name: 'null', body: () => 'null', status: 422, code: 'validation_failed', path: '' },
  { name: 'a string', body: () => '"sale"', status: 422, code: 'validation_failed', path: '' },
  { name: 'a number', body: () => '42', status: 422, code: 'validation_failed', path: '' },
  { name: 'arrays nested 100 000 deep', body: () => '['.repeat(100_000) + ']'.repeat(100_000), status: 422, code: 'validation_failed', path: '' },
  // Wrong types.
  { name: 'quantity as a string', body: () => withLine({ quantity: '2' }), status: 422, code: 'validation_failed', path: 'lines.0.quantity' },
  { name: 'amount as a string "9.0"', body: () => withLine({ amount: '9.0' }), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'unit_price null', body: () => withLine({ unit_price: null }), status: 422, code: 'validation_failed', path: 'lines.0.unit_price' },
  { name: 'void as a string', body: () => withLine({ void: 'false' }), status: 422, code: 'validation_failed', path: 'lines.0.void' },
  { name: 'lines an object', body: () => json(sale({ lines: { 0: sale().lines[0] } })), status: 422, code: 'validation_failed', path: 'lines' },
  { name: 'lines a string', body: () => json(sale({ lines: 'tea' })), status: 422, code: 'validation_failed', path: 'lines' },
  { name: 'tenders an object', body: () => json(sale({ tenders: { type: 'card', amount: 63.9 } })), status: 422, code: 'validation_failed', path: 'tenders' },
  { name: 'receipt_no a number', body: () => json(sale({ receipt_no: 123 })), status: 422, code: 'validation_failed', path: 'receipt_no' },
  { name: 'store_id a number', body: () => json(sale({ store_id: 1 })), status: 422, code: 'validation_failed', path: 'store_id' },
  { name: 'customer a string', body: () => json(sale({ customer: '88001234' })), status: 422, code: 'validation_failed', path: 'customer' },
  { name: 'kind unknown', body: () => json(sale({ kind: 'refund' })), status: 422, code: 'validation_failed', path: 'kind' },
  { name: 'coupon a number', body: () => json(sale({ coupons: [10] })), status: 422, code: 'validation_failed', path: 'coupons.0' },
  { name: 'points_redeemed fractional', body: () => json(sale({ points_redeemed: 1.5 })), status: 422, code: 'validation_failed', path: 'points_redeemed' },
  // Required fields, one by one; empty and blank strings count as missing.
  ...(['store_id', 'terminal_id', 'receipt_no', 'occurred_at', 'kind', 'lines'] as const).map(
    (field): Case => ({ name: `missing ${field}`, body: () => json(without(sale(), field)), status: 422, code: 'validation_failed', path: field }),
  ),
  ...(['quantity', 'unit_price', 'amount'] as const).map(
    (field): Case => ({ name: `line without ${field}`, body: () => json(sale({ lines: [without(sale().lines[0]!, field)], tenders: [] })), status: 422, code: 'validation_failed', path: `lines.0.${field}` }),
  ),
  { name: 'tender without type', body: () => json(sale({ tenders: [{ amount: 63.9 }] })), status: 422, code: 'validation_failed', path: 'tenders.0.type' },
  { name: 'tender without amount', body: () => json(sale({ tenders: [{ type: 'card' }] })), status: 422, code: 'validation_failed', path: 'tenders.0.amount' },
  { name: 'original without receipt_no', body: () => json(sale({ kind: 'return', original: { terminal_id: 'T01' } })), status: 422, code: 'validation_failed', path: 'original.receipt_no' },
  { name: 'empty receipt_no', body: () => json(sale({ receipt_no: '' })), status: 422, code: 'validation_failed', path: 'receipt_no' },
  { name: 'blank receipt_no', body: () => json(sale({ receipt_no: '   ' })), status: 422, code: 'validation_failed', path: 'receipt_no' },
  { name: 'no lines', body: () => json(sale({ lines: [] })), status: 422, code: 'validation_failed', path: 'lines' },
  { name: 'empty customer', body: () => json(sale({ customer: {} })), status: 422, code: 'validation_failed', path: 'customer' },
  // Numbers.
  { name: 'negative amount', body: () => withLine({ quantity: 1, unit_price: 9, amount: -9 }), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'negative unit_price', body: () => withLine({ quantity: 1, unit_price: -9, amount: 9 }), status: 422, code: 'validation_failed', path: 'lines.0.unit_price' },
  { name: 'negative quantity', body: () => withLine({ quantity: -1 }), status: 422, code: 'validation_failed', path: 'lines.0.quantity' },
  { name: 'quantity 0', body: () => withLine({ quantity: 0, amount: 0 }), status: 422, code: 'validation_failed', path: 'lines.0.quantity' },
  { name: 'amount 1e309 (Infinity after parsing)', body: () => edited('"amount":9', '"amount":1e309'), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'amount -1e309', body: () => edited('"amount":9', '"amount":-1e309'), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'amount above the maximum', body: () => withLine({ quantity: 1, unit_price: 100_000_000.01, amount: 100_000_000.01 }), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'amount with 3 decimals', body: () => withLine({ quantity: 1, unit_price: 9.001, amount: 9.001 }), status: 422, code: 'validation_failed', path: 'lines.0.amount', message: 'decimals' },
  { name: 'tender with 3 decimals', body: () => json(sale({ tenders: [{ type: 'card', amount: 63.901 }] })), status: 422, code: 'validation_failed', path: 'tenders.0.amount', message: 'decimals' },
  { name: 'quantity 0.0004 (would round to nothing)', body: () => withLine({ quantity: 0.0004, unit_price: 1, amount: 0 }), status: 422, code: 'validation_failed', path: 'lines.0.quantity' },
  { name: 'quantity with 4 decimals', body: () => withLine({ quantity: 1.2345, unit_price: 1, amount: 1.23 }), status: 422, code: 'validation_failed', path: 'lines.0.quantity' },
  { name: 'huge quantity', body: () => withLine({ quantity: 10_000_000, unit_price: 1, amount: 10_000_000 }), status: 422, code: 'validation_failed', path: 'lines.0.quantity' },
  {
    name: 'a total past the maximum from many maximal lines',
    body: () => json(sale({ lines: Array.from({ length: 3 }, () => ({ sku: 'X', quantity: 1_000_000, unit_price: 100, amount: 100_000_000 })), tenders: [] })),
    status: 422, code: 'validation_failed', path: 'lines',
  },
  { name: '501 lines', body: () => json(sale({ lines: Array.from({ length: 501 }, () => sale().lines[0]), tenders: [] })), status: 422, code: 'validation_failed', path: 'lines' },
  { name: 'negative points_redeemed', body: () => json(sale({ points_redeemed: -1 })), status: 422, code: 'validation_failed', path: 'points_redeemed' },
  // Time.
  { name: 'occurred_at without offset', body: () => json(sale({ occurred_at: '2026-11-22T10:15:00' })), status: 422, code: 'validation_failed', path: 'occurred_at' },
  { name: 'occurred_at a date only', body: () => json(sale({ occurred_at: '2026-11-22' })), status: 422, code: 'validation_failed', path: 'occurred_at' },
  { name: 'occurred_at February 30', body: () => json(sale({ occurred_at: '2026-02-30T10:15:00+08:00' })), status: 422, code: 'validation_failed', path: 'occurred_at' },
  { name: 'occurred_at hour 25', body: () => json(sale({ occurred_at: '2026-11-22T25:15:00+08:00' })), status: 422, code: 'validation_failed', path: 'occurred_at' },
  { name: 'occurred_at offset without colon', body: () => json(sale({ occurred_at: '2026-11-22T10:15:00+0800' })), status: 422, code: 'validation_failed', path: 'occurred_at' },
  { name: 'occurred_at as epoch ms', body: () => json(sale({ occurred_at: 1795313700000 })), status: 422, code: 'validation_failed', path: 'occurred_at' },
  { name: 'occurred_at two days ahead', body: () => json(sale({ occurred_at: '2026-11-24T11:00:00+08:00' })), status: 422, code: 'validation_failed', path: 'occurred_at', message: 'future' },
  { name: 'occurred_at in year 9999', body: () => json(sale({ occurred_at: '9999-12-31T23:59:59Z' })), status: 422, code: 'validation_failed', path: 'occurred_at', message: 'future' },
  // Arithmetic.
  { name: 'amount ≠ quantity × unit_price − discount', body: () => withLine({ quantity: 2, unit_price: 4.5, discount: 0, amount: 9.5 }), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'discount larger than the line', body: () => withLine({ quantity: 1, unit_price: 4.5, discount: 5, amount: 0 }), status: 422, code: 'validation_failed', path: 'lines.0.amount' },
  { name: 'tenders ≠ total', body: () => json(sale({ tenders: [{ type: 'card', amount: 60 }] })), status: 422, code: 'validation_failed', path: 'tenders' },
  { name: 'change without tenders', body: () => json(sale({ tenders: [], change: 1 })), status: 422, code: 'validation_failed', path: 'change' },
  // Store, identity, points.
  { name: 'store_id of another store', body: () => json(sale({ store_id: 'S002' })), status: 422, code: 'wrong_store', path: 'store_id' },
  { name: 'phone that is not a number', body: () => json(sale({ customer: { phone: "'; DROP TABLE customers;--" } })), status: 422, code: 'validation_failed', path: 'customer.phone' },
  { name: 'email without @', body: () => json(sale({ customer: { email: 'someone.example.com' } })), status: 422, code: 'validation_failed', path: 'customer.email' },
  { name: 'redeeming without a customer', body: () => json(sale({ customer: null, points_redeemed: 10 })), status: 422, code: 'validation_failed', path: 'points_redeemed' },
  { name: 'a return that redeems', body: () => json(sale({ kind: 'return', points_redeemed: 10 })), status: 422, code: 'validation_failed', path: 'points_redeemed' },
  // Fails only inside the write (customer already resolved, points checked): the savepoint must undo all of it.
  { name: 'redeeming more than the customer has', body: () => json(sale({ customer: { loyalty_card: '88001234' }, points_redeemed: 1_000_000 })), status: 409, code: 'insufficient_points' },
  { name: 'redeeming on a card never seen (would create the customer)', body: () => json(sale({ customer: { loyalty_card: '55550001', phone: '13900000055' }, points_redeemed: 1 })), status: 409, code: 'insufficient_points' },
  // Unknown fields are refused, named.
  { name: 'unknown top-level field', body: () => json(sale({ recipt_no: 'R1' })), status: 422, code: 'validation_failed', path: '', message: 'recipt_no' },
  { name: 'unknown line field', body: () => withLine({ colour: 'red' }), status: 422, code: 'validation_failed', path: 'lines.0', message: 'colour' },
  { name: 'unknown customer field', body: () => json(sale({ customer: { loyalty_card: '88001234', vip: true } })), status: 422, code: 'validation_failed', path: 'customer', message: 'vip' },
  { name: 'a __proto__ key', body: () => edited('{"store_id"', '{"__proto__":{"admin":true},"store_id"'), status: 422, code: 'validation_failed', path: '', message: '__proto__' },
  // Text that cannot be stored as sent.
  { name: 'NUL in a line name', body: () => withLine({ name: 'Oolong\u0000tea' }), status: 422, code: 'validation_failed', path: 'lines.0.name', message: 'NUL' },
  { name: 'NUL in a receipt number', body: () => json(sale({ receipt_no: 'R\u00001' })), status: 422, code: 'validation_failed', path: 'receipt_no', message: 'NUL' },
  { name: 'an unpaired surrogate', body: () => edited('"Oolong tea 500ml"', '"Oolong \\ud83d tea"'), status: 422, code: 'validation_failed', path: 'lines.0.name', message: 'surrogate' },
  // Media type.
  { name: 'text/plain', body: () => json(sale()), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
  { name: 'a form', body: () => 'store_id=S001&terminal_id=T01', headers: { 'content-type': 'application/x-www-form-urlencoded' }, status: 415, code: 'unsupported_media_type' },
  { name: 'XML', body: () => '<Transaction/>', headers: { 'content-type': 'application/xml' }, status: 415, code: 'unsupported_media_type' },
  { name: 'JSON in Latin-1', body: () => json(sale()), headers: { 'content-type': 'application/json; charset=iso-8859-1' }, status: 415, code: 'unsupported_media_type' },
  // Size: refused without reading the whole body (the streamed cases below count what was read).
  { name: '300 KiB with Content-Length', body: () => json({ ...sale(), pad: 'x'.repeat(300 * 1024) }), status: 413, code: 'payload_too_large' },
  { name: '10 MB with Content-Length', body: () => 'x'.repeat(10 * MB), status: 413, code: 'payload_too_large' },
  { name: '10 MB announced as 100 bytes', body: () => 'x'.repeat(10 * MB), headers: { 'content-length': '100' }, status: 413, code: 'payload_too_large' },
  // Tokens.
  { name: 'a clerk token', body: () => json(sale()), role: 'clerk', status: 403, code: 'forbidden' },
  { name: 'no token', body: () => json(sale()), headers: { authorization: '' }, status: 401, code: 'unauthorized' },
];

describe('bad input to POST /api/v1/transactions: a clean 4xx, nothing written', () => {
  let t: TestAppliance;
  let stored: Record<string, any>;
  beforeAll(async () => {
    t = createTestAppliance();
    // One stored sale, so the appliance is not empty: a known customer with points and a receipt to collide with.
    stored = sale();
    expect((await send(t, '/api/v1/transactions', json(stored))).status).toBe(201);
  });
  afterAll(() => t.close());

  it.each(transactionCases)('$name → $status $code', async (c) => {
    const before = t.counts();
    const res = await send(t, '/api/v1/transactions', c.body(), { role: c.role, headers: c.headers });
    expectUniformError(res, c.status, c.code);
    if (c.path !== undefined) expectDetail(res, c.path, c.message);
    expect(t.counts()).toEqual(before);
  });

  it('the same receipt with other content → 409, nothing written', async () => {
    const before = t.counts();
    const res = await send(t, '/api/v1/transactions', json({ ...stored, coupons: ['LATE10'] }));
    expectUniformError(res, 409, 'idempotency_conflict');
    expect(t.counts()).toEqual(before);
  });

  it('a never-seen card that fails in the write leaves no customer, link or event behind', async () => {
    const lookup = await t.call('GET', '/api/v1/customers/lookup?card=55550001', { role: 'clerk' });
    expect(lookup.status).toBe(404);
    const rows = t.deps.sqlite.query("SELECT count(*) AS n FROM identity_links WHERE value IN ('55550001', '+8613900000055')").get() as { n: number };
    expect(rows.n).toBe(0);
  });

  for (const [what, announce] of [['streamed without Content-Length', undefined], ['streamed under a lying Content-Length', '512']] as const) {
    it(`10 MB ${what} → 413 after reading little more than the limit`, async () => {
      let pulled = 0;
      const chunk = new Uint8Array(64 * 1024).fill(0x20);
      const stream = new ReadableStream<Uint8Array>({
        pull(controller) {
          if (pulled >= 10 * MB) return controller.close();
          pulled += chunk.byteLength;
          controller.enqueue(chunk);
        },
      });
      const before = t.counts();
      const res = await send(t, '/api/v1/transactions', stream, { headers: announce ? { 'content-length': announce } : {} });
      expectUniformError(res, 413, 'payload_too_large');
      // The limit is 256 KiB; the stream's own read-ahead may pull a few chunks more, never the 10 MB.
      expect(pulled).toBeLessThan(MB);
      expect(t.counts()).toEqual(before);
    });
  }
});

describe('POST /api/v1/transactions/batch', () => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance();
  });
  afterEach(() => t.close());

  const batchCases: Case[] = [
    { name: '1001 items', body: () => json({ transactions: Array.from({ length: 1001 }, () => sale()) }), status: 422, code: 'validation_failed', path: 'transactions' },
    { name: 'no items', body: () => json({ transactions: [] }), status: 422, code: 'validation_failed', path: 'transactions' },
    { name: 'transactions not an array', body: () => json({ transactions: sale() }), status: 422, code: 'validation_failed', path: 'transactions' },
    { name: 'a bare array', body: () => json([sale()]), status: 422, code: 'validation_failed', path: '' },
    { name: 'an unknown envelope field', body: () => json({ transactions: [sale()], terminal: 'T01' }), status: 422, code: 'validation_failed', path: '', message: 'terminal' },
    { name: 'truncated JSON', body: () => json({ transactions: [sale(), sale()] }).slice(0, -20), status: 400, code: 'invalid_json' },
    { name: 'text/plain', body: () => json({ transactions: [sale()] }), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
    { name: '10 MB', body: () => json({ transactions: [{ pad: 'x'.repeat(10 * MB) }] }), status: 413, code: 'payload_too_large' },
  ];

  it.each(batchCases)('$name → $status $code, nothing written', async (c) => {
    const before = t.counts();
    const res = await send(t, '/api/v1/transactions/batch', c.body(), { headers: c.headers });
    expectUniformError(res, c.status, c.code);
    if (c.path !== undefined) expectDetail(res, c.path, c.message);
    expect(t.counts()).toEqual(before);
  });

  it('stores the good items and reports each bad one, leaving nothing of the bad ones', async () => {
    const goodA = sale({ customer: { loyalty_card: '66660001' } });
    const goodB = sale({ customer: { phone: '13900000001' } });
    const items = [
      goodA,
      sale({ customer: { loyalty_card: '66660002' }, lines: [{ sku: 'A', quantity: 2, unit_price: 4.5, amount: 9.5 }], tenders: [] }), // arithmetic
      goodB,
      sale({ customer: { loyalty_card: '66660003' }, lines: [{ sku: 'A', name: 'tea\u0000', quantity: 1, unit_price: 1, amount: 1 }], tenders: [] }), // NUL
      sale({ customer: { loyalty_card: '66660004', email: 'new@example.com' }, points_redeemed: 5 }), // fails inside the write
      { ...goodA, coupons: ['OTHER'] }, // same receipt as goodA, other content
      null,
      sale({ customer: { loyalty_card: '66660005' }, store_id: 'S002' }),
      { ...goodB, surprise: 1 },
    ];
    const before = t.counts();
    const res = await send(t, '/api/v1/transactions/batch', json({ transactions: items }));
    expect(res.status).toBe(200);
    const body = parseWith(batchResultSchema, res.body, 'batch result');
    const results = body.results;
    const errorIn = (r: BatchItemResult | undefined) => (r && 'error' in r ? r.error : null);
    expect(results.map((r) => [r.index, r.status, errorIn(r)?.code ?? null])).toEqual([
      [0, 201, null],
      [1, 422, 'validation_failed'],
      [2, 201, null],
      [3, 422, 'validation_failed'],
      [4, 409, 'insufficient_points'],
      [5, 409, 'idempotency_conflict'],
      [6, 422, 'validation_failed'],
      [7, 422, 'wrong_store'],
      [8, 422, 'validation_failed'],
    ]);
    expect(body).toMatchObject({ stored: 2, duplicates: 0, rejected: 7 });
    const raw = res.body as { results: Array<{ error?: object }> };
    for (const r of raw.results.filter((x) => x.error)) expect(Object.keys(r.error ?? {}).sort()).toEqual(['code', 'details', 'message']);
    expect(errorIn(results[3])?.details).toContainEqual({ path: 'lines.0.name', message: 'contains a NUL character' });
    expect(JSON.stringify(errorIn(results[8])?.details)).toContain('surprise');

    // Exactly the two good ones were written, with their lines, customers, links and points.
    const after = t.counts();
    expect(after.transactions - before.transactions).toBe(2);
    expect(after.lines - before.lines).toBe(goodA.lines.length + goodB.lines.length);
    expect(after.customers - before.customers).toBe(2);
    expect(after.links - before.links).toBe(2);
    expect(after.ledger - before.ledger).toBe(2);
    const receipts = t.deps.sqlite.query('SELECT receipt_no FROM transactions ORDER BY receipt_no').all() as Array<{ receipt_no: string }>;
    expect(receipts.map((r) => r.receipt_no)).toEqual([goodA.receipt_no, goodB.receipt_no].sort());
    const links = t.deps.sqlite.query('SELECT value FROM identity_links ORDER BY value').all() as Array<{ value: string }>;
    expect(links.map((l) => l.value)).toEqual(['+8613900000001', '66660001']);
  });
});

describe('bad input to POST /api/v1/customers', () => {
  let t: TestAppliance;
  beforeAll(() => {
    t = createTestAppliance();
  });
  afterAll(() => t.close());

  const customerCases: Case[] = [
    { name: 'truncated JSON', body: () => '{"loyalty_card":"1234', status: 400, code: 'invalid_json' },
    { name: 'bytes that are not UTF-8', body: () => new Uint8Array([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]), status: 400, code: 'invalid_json' },
    { name: 'no identifier', body: () => json({ name: 'Ann' }), status: 422, code: 'validation_failed' },
    { name: 'unknown field', body: () => json({ loyalty_card: '12340001', nickname: 'A' }), status: 422, code: 'validation_failed', path: '', message: 'nickname' },
    { name: 'NUL in the name', body: () => json({ loyalty_card: '12340002', name: 'Ann\u0000' }), status: 422, code: 'validation_failed', path: 'name', message: 'NUL' },
    { name: 'unpaired surrogate in the name', body: () => '{"loyalty_card":"12340003","name":"Ann \\udc00"}', status: 422, code: 'validation_failed', path: 'name', message: 'surrogate' },
    { name: 'a name of 201 characters', body: () => json({ loyalty_card: '12340004', name: 'a'.repeat(201) }), status: 422, code: 'validation_failed', path: 'name' },
    { name: 'a phone that is not one', body: () => json({ phone: 'call me' }), status: 422, code: 'validation_failed', path: 'phone' },
    { name: 'birthday February 30', body: () => json({ loyalty_card: '12340005', birthday: '1990-02-30' }), status: 422, code: 'validation_failed', path: 'birthday' },
    { name: 'consent as "yes"', body: () => json({ loyalty_card: '12340006', consent: { sms: 'yes' } }), status: 422, code: 'validation_failed', path: 'consent.sms' },
    { name: 'text/plain', body: () => json({ loyalty_card: '12340007' }), headers: { 'content-type': 'text/plain' }, status: 415, code: 'unsupported_media_type' },
    { name: 'a terminal token', body: () => json({ loyalty_card: '12340008' }), role: 'terminal', status: 403, code: 'forbidden' },
  ];

  it.each(customerCases)('$name → $status $code', async (c) => {
    const before = t.counts();
    const res = await send(t, '/api/v1/customers', c.body(), { role: c.role ?? 'clerk', headers: c.headers });
    expectUniformError(res, c.status, c.code);
    if (c.path !== undefined) expectDetail(res, c.path, c.message);
    expect(t.counts()).toEqual(before);
  });
});

/** Valid but unusual text: stored byte for byte and returned as sent, never rejected or "cleaned". */
const ODD_TEXT = [
  'Zoë 👩‍👩‍👧‍👦 🇨🇳',
  'مرحبا بالعالم \u200F(٢٠٢٦)\u200F', // Arabic with right-to-left marks and Arabic-Indic digits
  'שלום עולם',
  'Ame\u0301lie Z\u0335\u0321a\u0334l\u0337g\u0336o', // decomposed é and stacked combining marks: not normalized to NFC
  '王小明 · 𠮷野家',
  "'; DROP TABLE transactions;--",
  'Robert"); DELETE FROM customers WHERE ("1"="1',
  '100% _off_ \\ back\\slash `tick` $1 ?',
  'tab\there',
];

describe('valid text is stored byte-exact', () => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance();
  });
  afterEach(() => t.close());

  const hexOf = (s: string) => Buffer.from(s, 'utf8').toString('hex').toUpperCase();

  it.each(ODD_TEXT)('customer name %j', async (name) => {
    const answer = await send(t, '/api/v1/customers', json({ loyalty_card: '77770001', name }), { role: 'clerk' });
    expect(answer.status).toBe(201);
    const created = parseWith(customerCardSchema, answer.body, 'registered customer');
    const profile = await t.call('GET', `/api/v1/customers/${created.id}`, { role: 'clerk' }, customerCardSchema);
    expect(profile.status).toBe(200);
    expect(profile.body.name).toBe(name);
    const row = t.deps.sqlite.query('SELECT hex(name) AS h FROM customers WHERE id = ?').get(created.id) as { h: string };
    expect(row.h).toBe(hexOf(name));
  });

  it.each(ODD_TEXT)('receipt number, sku, line name and category %j', async (text) => {
    const tx = sale({
      receipt_no: text,
      customer: { loyalty_card: '77770002' },
      lines: [{ sku: text, name: text, category: text, quantity: 1, unit_price: 3, amount: 3 }],
      tenders: [{ type: 'card', amount: 3 }],
    });
    const answer = await send(t, '/api/v1/transactions', json(tx));
    expect(answer.status).toBe(201);
    const res = { body: parseWith(ingestResultSchema, answer.body, 'ingest result') };
    const row = t.deps.sqlite
      .query('SELECT hex(t.receipt_no) AS r, hex(l.sku) AS s, hex(l.name) AS n, hex(l.category) AS c FROM transactions t JOIN transaction_lines l ON l.tx_id = t.id WHERE t.id = ?')
      .get(res.body.id);
    const hex = hexOf(text);
    expect(row).toEqual({ r: hex, s: hex, n: hex, c: hex });
    const profile = await t.call('GET', `/api/v1/customers/${res.body.customer_id}`, { role: 'clerk' }, customerCardSchema);
    expect(profile.body.transactions[0]).toMatchObject({ receipt_no: text, lines: [{ sku: text, name: text, category: text }] });
    // The same receipt is recognized again by its exact text.
    const again = await send(t, '/api/v1/transactions', json(tx));
    expect(again.status).toBe(200);
    expect(parseWith(ingestResultSchema, again.body).id).toBe(res.body.id);
    expect(t.deps.sqlite.query("SELECT count(*) AS n FROM sqlite_master WHERE name IN ('transactions', 'customers')").get()).toEqual({ n: 2 });
  });

  it('accepts JSON with a charset, a +json type, no Content-Type at all, and a UTF-8 byte order mark', async () => {
    const bytes = (text: string) => new TextEncoder().encode(text); // a string body would get text/plain from fetch
    const bodies: Array<[Record<string, string>, Body]> = [
      [{ 'content-type': 'application/json; charset=UTF-8' }, json(sale())],
      [{ 'content-type': 'application/vnd.pos+json' }, json(sale())],
      [{ 'content-type': '' }, bytes(json(sale()))],
      [{}, bytes(`\uFEFF${json(sale())}`)],
    ];
    for (const [headers, body] of bodies) expect((await send(t, '/api/v1/transactions', body, { headers })).status).toBe(201);
    expect(t.counts().transactions).toBe(bodies.length);
  });
});
