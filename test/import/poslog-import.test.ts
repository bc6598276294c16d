import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as z from 'zod';
import { errorBodySchema } from '../../server/contract/errors.ts';
import { type PosLogItemResult, type PosLogResult, posLogResultSchema } from '../../server/contract/ingest-results.ts';
import { jsonOf } from '../support/json-of.ts';
import { runImport } from '../../server/cli/import.command.ts';
import { createTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

/*
 * POSLog import through the real CLI command (in process, and once as its own process) and the live
 * endpoint, on real SQLite files. Expected figures are read off the XML by eye (noted next to them).
 */

const shared = join(process.cwd(), '..', 'shared', 'datasets', 'poslog');
const fixtures = join(process.cwd(), 'test', 'import', 'fixtures');
const NCR = join(shared, 'ncr-acs-small.xml');
const V6_SALE = join(shared, 'poslog6-sale_with_customer.xml');
const V6_CHANGE = join(shared, 'poslog6-sale_with_tenderChange.xml');
const V6_RETURN = join(shared, 'poslog6-retoure_with_link.xml');
const V6_ORIGINAL = join(fixtures, 'poslog6-sale-3569.xml');
const fixture = (name: string) => join(fixtures, name);

const work = mkdtempSync(join(tmpdir(), 'poslog-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

interface TxRow {
  id: string;
  store_id: string;
  terminal_id: string;
  receipt_no: string;
  kind: string;
  occurred_at: number;
  utc_offset_min: number;
  customer_id: string | null;
  total: number;
  line_count: number;
  points_earned: number;
  original_tx_id: string | null;
  original_terminal_id: string | null;
  original_receipt_no: string | null;
  tenders: string;
  change_amount: number;
  source: string;
}

function tx(app: TestAppliance, terminal: string, receipt: string): TxRow {
  const row = app.deps.sqlite.query('SELECT * FROM transactions WHERE terminal_id = ? AND receipt_no = ?').get(terminal, receipt) as TxRow | null;
  if (!row) throw new Error(`no transaction ${terminal}/${receipt}`);
  return row;
}

const linesOf = (app: TestAppliance, txId: string) =>
  app.deps.sqlite
    .query('SELECT line_no, sku, name, category, quantity_milli, unit_price, discount, amount, void FROM transaction_lines WHERE tx_id = ? ORDER BY line_no')
    .all(txId);

const identifiersOf = (app: TestAppliance, customerId: string) =>
  app.deps.sqlite.query('SELECT kind, value FROM identity_links WHERE customer_id = ? ORDER BY kind, value').all(customerId);

const customer = (app: TestAppliance, id: string) => app.deps.sqlite.query('SELECT name, birthday FROM customers WHERE id = ?').get(id) as { name: string | null; birthday: string | null };

type PostInit = { role?: 'terminal' | 'clerk' | null; contentType?: string };
/** POST /poslog; the answer parsed with the POSLog result schema, or with `schema` (the error body) when given. */
async function post(app: TestAppliance, body: string | ArrayBuffer, init?: PostInit): Promise<{ status: number; body: PosLogResult }>;
async function post<S extends z.ZodType>(app: TestAppliance, body: string | ArrayBuffer, init: PostInit, schema: S): Promise<{ status: number; body: z.infer<S> }>;
async function post(app: TestAppliance, body: string | ArrayBuffer, init: PostInit = {}, schema: z.ZodType = posLogResultSchema): Promise<{ status: number; body: unknown }> {
  const headers: Record<string, string> = { 'content-type': init.contentType ?? 'application/xml' };
  const role = init.role === undefined ? 'terminal' : init.role;
  if (role) headers.authorization = `Bearer ${app.tokens[role]}`;
  const res = await app.app.request('/api/v1/poslog', { method: 'POST', headers, body });
  return { status: res.status, body: await jsonOf(res, schema) };
}

describe('NCR ACS POSLog 2.1: ncr-acs-small.xml', () => {
  let app: TestAppliance;
  beforeAll(() => {
    app = createTestAppliance({ env: { STORE_ID: '9', STORE_TZ: 'America/Chicago', STORE_CURRENCY: 'USD' } });
  });
  afterAll(() => app.close());

  it('imports the one sale (the sign-on control transaction is not counted): weighed apples, a 15% loyalty reward, a debit tender, the loyalty member', async () => {
    const summary = await runImport(app.deps, [NCR]);
    // One retail transaction (SequenceNumber 161); 0.42 lb × 2.99 = 1.26, PercentOff reward −0.19 → 1.07 = the debit tender.
    expect(summary).toMatchObject({ files: 1, transactions: 1, duplicates: 0, lines: 1, customers: 1, gross_amount: 1.07, rejected: [], failed: [] });
    const sale = tx(app, '34', '161');
    expect(sale).toMatchObject({
      store_id: '9',
      kind: 'sale',
      // EndDateTime 2017-10-01T02:02:54 has no offset: store time, CDT (UTC−5).
      occurred_at: Date.parse('2017-10-01T07:02:54Z'),
      utc_offset_min: -300,
      total: 107,
      line_count: 1,
      change_amount: 0,
      source: 'poslog',
      original_tx_id: null,
      points_earned: 1,
    });
    expect(JSON.parse(sale.tenders)).toEqual([{ type: 'card', amount: 107 }]);
    expect(linesOf(app, sale.id)).toEqual([
      { line_no: 1, sku: '00000000067591', name: 'APPLE HONEYCRISP ORG', category: '6', quantity_milli: 420, unit_price: 299, discount: 19, amount: 107, void: 0 },
    ]);
    expect(identifiersOf(app, sale.customer_id!)).toEqual([
      { kind: 'card', value: '0000000000000040000066677' },
      { kind: 'member', value: '0000000000000040000066677' },
    ]);
  });

  it('a second import of the file adds nothing: all duplicates', async () => {
    const before = app.counts();
    const again = await runImport(app.deps, [NCR]);
    expect(again).toMatchObject({ transactions: 0, duplicates: 1, lines: 0, customers: 0, gross_amount: 0, rejected: [], failed: [] });
    expect(app.counts()).toEqual(before);
  });

  it('NCR void records, per-item rewards with a summary record, change as a negative tender, a Resume link', async () => {
    const summary = await runImport(app.deps, [fixture('ncr-acs-voids-rewards-change.xml')]);
    // 301: lemons 1.50 + chili 0.96 − reward 0.25 = 2.21 (wine voided); 114: soup 3.49 (tax is not revenue).
    expect(summary).toMatchObject({ transactions: 2, lines: 4, customers: 1, gross_amount: 5.7, rejected: [], failed: [] });
    const sale = tx(app, '2', '301');
    expect(sale).toMatchObject({ total: 221, line_count: 3, change_amount: 269, occurred_at: Date.parse('2017-10-01T20:22:43Z') });
    expect(JSON.parse(sale.tenders)).toEqual([{ type: 'cash', amount: 500 }]);
    // The void record is dropped, the wine it cancels kept as void; each reward part on the line it names.
    expect(linesOf(app, sale.id)).toEqual([
      { line_no: 1, sku: '00000000010214', name: 'AMIDO CDRV', category: '52', quantity_milli: 1000, unit_price: 1250, discount: 0, amount: 1250, void: 1 },
      { line_no: 2, sku: '00000000006651', name: 'LEMONS ORGANIC EACH', category: '6', quantity_milli: 1000, unit_price: 300, discount: 15, amount: 135, void: 0 },
      { line_no: 3, sku: '00000000040211', name: 'CRUSHD CHILI PEPPERS', category: '33', quantity_milli: 110, unit_price: 875, discount: 10, amount: 86, void: 0 },
    ]);
    const resumed = tx(app, '31', '114');
    expect(resumed).toMatchObject({ kind: 'sale', total: 349, original_tx_id: null, original_receipt_no: null, customer_id: null });
    expect(JSON.parse(resumed.tenders)).toEqual([{ type: 'card', amount: 384 }]);
  });

  it("a file of another store is a rejection with the transaction's line, not a crash", async () => {
    const other = createTestAppliance();
    try {
      const summary = await runImport(other.deps, [NCR]);
      expect(summary).toMatchObject({ files: 1, transactions: 0, failed: [], rejected: [{ reason: 'store 9 is not this store (S001)', count: 1, examples: [{ file: NCR, line: 1, detail: 'receipt 161: store 9 is not this store (S001)' }] }] });
      expect(other.counts().transactions).toBe(0);
      const viaStoreFlag = await runImport(other.deps, [NCR, '--store', '9']);
      expect(viaStoreFlag).toMatchObject({ transactions: 1, rejected: [] });
    } finally {
      other.close();
    }
  });
});

describe('POSLog V6 (Futura4Retail / Roqqio)', () => {
  let app: TestAppliance;
  beforeAll(() => {
    app = createTestAppliance({ env: { STORE_ID: '100', STORE_TZ: 'Europe/Berlin', STORE_CURRENCY: 'EUR' } });
  });
  afterAll(() => app.close());

  it('a sale with customer and loyalty card: the line, the cash tender, member + card, name and birthday', async () => {
    const summary = await runImport(app.deps, [V6_SALE]);
    expect(summary).toMatchObject({ transactions: 1, lines: 1, customers: 1, gross_amount: 26.99, rejected: [], failed: [] });
    const sale = tx(app, '10001', '2');
    expect(sale).toMatchObject({ store_id: '100', kind: 'sale', occurred_at: Date.parse('2024-07-31T09:46:13.327Z'), utc_offset_min: 120, total: 2699, line_count: 1, change_amount: 0 });
    expect(JSON.parse(sale.tenders)).toEqual([{ type: 'cash', amount: 2699 }]);
    expect(linesOf(app, sale.id)).toEqual([
      { line_no: 1, sku: '8718824914497', name: 'PUMA WOMEN PADDED TOP 1P HANG, S,BLACK,200', category: '1122702', quantity_milli: 1000, unit_price: 2699, discount: 0, amount: 2699, void: 0 },
    ]);
    expect(identifiersOf(app, sale.customer_id!)).toEqual([
      { kind: 'card', value: 'T220001293' },
      { kind: 'member', value: '22000129' },
    ]);
    // BirthYear 1964Z + BirthDayMonth --08-12Z.
    expect(customer(app, sale.customer_id!)).toEqual({ name: 'Erika Mustermann', birthday: '1964-08-12' });
  });

  it('a sale with tender change: cash 27.00, change 0.01, no customer', async () => {
    const summary = await runImport(app.deps, [V6_CHANGE]);
    expect(summary).toMatchObject({ transactions: 1, lines: 1, customers: 0, gross_amount: 26.99, rejected: [] });
    const sale = tx(app, '10001', '3');
    expect(sale).toMatchObject({ kind: 'sale', total: 2699, change_amount: 1, customer_id: null, occurred_at: Date.parse('2024-07-31T10:21:47.539Z') });
    expect(JSON.parse(sale.tenders)).toEqual([{ type: 'cash', amount: 2700 }]);
    expect(linesOf(app, sale.id)).toEqual([
      { line_no: 1, sku: '8718824914435', name: 'PUMA WOMEN PADDED TOP 1P HANG, XS,GREY MELANGE,032', category: '1122702', quantity_milli: 1000, unit_price: 2699, discount: 0, amount: 2699, void: 0 },
    ]);
  });

  it('a return (negative quantity, RETOUR, refund tender) linked by TransactionLink to the sale imported before it', async () => {
    // The shared return names sale 3569 of workstation 10001, which no shared file holds: the fixture is that sale.
    expect(await runImport(app.deps, [V6_ORIGINAL])).toMatchObject({ transactions: 1, lines: 2, gross_amount: 2.78, rejected: [] });
    const original = tx(app, '10001', '3569');
    const summary = await runImport(app.deps, [V6_RETURN]);
    expect(summary).toMatchObject({ transactions: 1, lines: 1, customers: 0, gross_amount: -1.29, rejected: [], failed: [] });
    const ret = tx(app, '10001', '3570');
    expect(ret).toMatchObject({
      kind: 'return',
      total: -129,
      original_tx_id: original.id,
      original_terminal_id: '10001',
      original_receipt_no: '3569',
      occurred_at: Date.parse('2024-10-15T09:27:02.649Z'),
    });
    expect(JSON.parse(ret.tenders)).toEqual([{ type: 'cash', amount: 129 }]);
    expect(linesOf(app, ret.id)).toEqual([
      { line_no: 1, sku: '4022847522022', name: "BULL'S Motex Flights, -,MEHRFARBIGES MOTIV,011", category: '8091115', quantity_milli: -1000, unit_price: 129, discount: 0, amount: -129, void: 0 },
    ]);
    // Member 22000129 / card T220001293 on every receipt: one customer.
    const first = tx(app, '10001', '2');
    expect(ret.customer_id).toBe(first.customer_id);
    expect(original.customer_id).toBe(first.customer_id);
  });

  it('importing all four files again adds nothing', async () => {
    const before = app.counts();
    const again = await runImport(app.deps, [V6_SALE, V6_CHANGE, V6_ORIGINAL, V6_RETURN]);
    expect(again).toMatchObject({ files: 4, transactions: 0, duplicates: 4, lines: 0, customers: 0, rejected: [], failed: [] });
    expect(app.counts()).toEqual(before);
  });

  it('ignores unknown vendor elements anywhere, even ones with an <Amount> inside a line item', async () => {
    const fresh = createTestAppliance({ env: { STORE_ID: '100', STORE_TZ: 'Europe/Berlin' } });
    try {
      const text = readFileSync(V6_SALE, 'utf8')
        .replace('<Transaction>', '<acme:Envelope xmlns:acme="urn:acme"><acme:Batch>7</acme:Batch></acme:Envelope><Transaction>')
        .replace('<RetailTransaction>', '<RetailTransaction><fu:Campaign><fu:Deep Level="3">x</fu:Deep></fu:Campaign>')
        .replace('<fu:SalesMode>', '<zz:NoNamespaceDeclared><Amount>99.00</Amount></zz:NoNamespaceDeclared><fu:SalesMode>')
        .replace('<Tender TenderType="Cash"', '<fu:Voucher><Amount>5.00</Amount></fu:Voucher><Tender TenderType="Cash"');
      expect(text).toContain('zz:NoNamespaceDeclared');
      const file = join(work, 'vendor-extended.xml');
      writeFileSync(file, text);
      const summary = await runImport(fresh.deps, [file]);
      expect(summary).toMatchObject({ transactions: 1, lines: 1, customers: 1, gross_amount: 26.99, rejected: [], failed: [] });
      const sale = tx(fresh, '10001', '2');
      expect(sale.total).toBe(2699);
      expect(JSON.parse(sale.tenders)).toEqual([{ type: 'cash', amount: 2699 }]);
    } finally {
      fresh.close();
    }
  });
});

describe('crafted POSLog: control transactions, cancelled ones, a voided line, an exchange, totals that do not add up', () => {
  let app: TestAppliance;
  beforeAll(() => {
    app = createTestAppliance();
  });
  afterAll(() => app.close());

  it('control transactions are neither imported nor rejected', async () => {
    const summary = await runImport(app.deps, [fixture('poslog-control.xml')]);
    expect(summary).toMatchObject({ files: 1, transactions: 0, duplicates: 0, rejected: [], failed: [] });
    expect(app.counts().transactions).toBe(0);
  });

  it('cancelled, voided, training and suspended transactions are left out; the one completed sale is kept', async () => {
    const summary = await runImport(app.deps, [fixture('poslog-cancelled.xml')]);
    expect(summary).toMatchObject({ transactions: 1, lines: 1, customers: 1, gross_amount: 9, rejected: [], failed: [] });
    const receipts = app.deps.sqlite.query("SELECT receipt_no FROM transactions WHERE receipt_no LIKE '900%'").all();
    expect(receipts).toEqual([{ receipt_no: '9005' }]);
    // Their loyalty cards were never seen.
    expect(app.deps.sqlite.query("SELECT value FROM identity_links WHERE value LIKE '8800900%'").all()).toEqual([{ value: '88009005' }]);
  });

  it('a voided line is kept as void and counts for nothing; markdown, transaction discount, weighed item, tax and change add up', async () => {
    const summary = await runImport(app.deps, [fixture('poslog-voided-line.xml')]);
    // Lines 9.00 + 5.50 + 54.90 = 69.40, less the 3.44 discount = 65.96 (tax 3.30 on top is not revenue).
    expect(summary).toMatchObject({ transactions: 1, lines: 4, customers: 1, gross_amount: 65.96, rejected: [], failed: [] });
    const sale = tx(app, '3', '7001');
    expect(sale).toMatchObject({ kind: 'sale', total: 6596, line_count: 4, change_amount: 74, occurred_at: Date.parse('2026-11-20T10:30:00Z'), utc_offset_min: 480 });
    expect(JSON.parse(sale.tenders)).toEqual([
      { type: 'card', amount: 5000 },
      { type: 'cash', amount: 2000 },
    ]);
    // The 3.44 is spread over 9.00 / 5.50 / 54.90 by amount: 0.45, 0.27 and the remaining 2.72.
    expect(linesOf(app, sale.id)).toEqual([
      { line_no: 1, sku: '6901234567890', name: 'Oolong tea 500ml', category: 'beverages', quantity_milli: 2000, unit_price: 450, discount: 45, amount: 855, void: 0 },
      { line_no: 2, sku: '6900000000028', name: 'Chocolate bar', category: 'snacks', quantity_milli: 1000, unit_price: 1200, discount: 0, amount: 1200, void: 1 },
      { line_no: 3, sku: '2000000000015', name: 'Apples', category: 'produce', quantity_milli: 625, unit_price: 880, discount: 27, amount: 523, void: 0 },
      { line_no: 4, sku: '6900000000011', name: 'Rice 5kg', category: 'staples', quantity_milli: 1000, unit_price: 5990, discount: 772, amount: 5218, void: 0 },
    ]);
    expect(identifiersOf(app, sale.customer_id!)).toEqual([
      { kind: 'card', value: '880012345678' },
      { kind: 'email', value: 'li.wei@example.cn' },
      { kind: 'member', value: 'M-1001' },
    ]);
    expect(customer(app, sale.customer_id!)).toEqual({ name: 'Li Wei', birthday: '1990-03-15' });
  });

  it('a debit sale with cash back reconciles and stores at the goods\' total, the cash back counted once as change', async () => {
    const summary = await runImport(app.deps, [fixture('poslog-cashback.xml')]);
    expect(summary).toMatchObject({ transactions: 2, lines: 2, gross_amount: 42.5, rejected: [], failed: [] });
    const both = tx(app, '4', '8101');
    expect(both).toMatchObject({ kind: 'sale', total: 3000, change_amount: 2000 });
    expect(JSON.parse(both.tenders)).toEqual([{ type: 'card', amount: 5000 }]);
    const cardOnly = tx(app, '4', '8102');
    expect(cardOnly).toMatchObject({ kind: 'sale', total: 1250, change_amount: 1000 });
    expect(JSON.parse(cardOnly.tenders)).toEqual([{ type: 'card', amount: 2250 }]);
  });

  it('an exchange is split into its sale and a return <receipt>#R linked to the original sale', async () => {
    const summary = await runImport(app.deps, [fixture('poslog-exchange.xml')]);
    expect(summary).toMatchObject({ transactions: 2, lines: 2, customers: 0, gross_amount: 46.82, rejected: [], failed: [] });
    const original = tx(app, '3', '7001');
    const sale = tx(app, '3', '7002');
    const ret = tx(app, '3', '7002#R');
    expect(sale).toMatchObject({ kind: 'sale', total: 9900, original_tx_id: null, customer_id: original.customer_id });
    expect(JSON.parse(sale.tenders)).toEqual([{ type: 'card', amount: 4682 }]);
    expect(ret).toMatchObject({ kind: 'return', total: -5218, original_tx_id: original.id, original_receipt_no: '7001', customer_id: original.customer_id });
    expect(linesOf(app, ret.id)).toEqual([
      { line_no: 1, sku: '6900000000011', name: 'Rice 5kg', category: 'staples', quantity_milli: -1000, unit_price: 5990, discount: 772, amount: -5218, void: 0 },
    ]);
  });

  it('totals that do not add up and another store are rejections with their line; the good transaction is kept', async () => {
    const file = fixture('poslog-bad-totals.xml');
    const summary = await runImport(app.deps, [file]);
    expect(summary.rejected).toEqual([
      { reason: 'grand total … does not match the lines …', count: 1, examples: [{ file, line: 3, detail: 'receipt 8001: grand total 12.00 does not match the lines 10.00' }] },
      { reason: 'store S999 is not this store (S001)', count: 1, examples: [{ file, line: 12, detail: 'receipt 8002: store S999 is not this store (S001)' }] },
      { reason: 'tenders − change = …, but the transaction totals …', count: 1, examples: [{ file, line: 21, detail: 'receipt 8003: tenders − change = 5.00, but the transaction totals 10.00' }] },
    ]);
    expect(summary).toMatchObject({ transactions: 1, gross_amount: 10, failed: [] });
    expect(tx(app, '4', '8004').total).toBe(1000);
  });

  it('--strict stops at the first rejection and keeps nothing of the file', async () => {
    const fresh = createTestAppliance();
    try {
      const summary = await runImport(fresh.deps, [fixture('poslog-bad-totals.xml'), '--strict']);
      expect(summary.failed).toEqual([{ file: fixture('poslog-bad-totals.xml'), error: expect.stringContaining(':3: receipt 8001: grand total 12.00') }]);
      expect(fresh.counts().transactions).toBe(0);
    } finally {
      fresh.close();
    }
  });
});

describe('malformed POSLog files', () => {
  let app: TestAppliance;
  beforeAll(() => {
    app = createTestAppliance({ env: { STORE_ID: '100' } });
  });
  afterAll(() => app.close());

  it('a truncated file fails with the line where the XML broke off and leaves nothing; the next file still imports', async () => {
    const full = readFileSync(V6_SALE, 'utf8');
    const truncated = join(work, 'truncated.xml');
    writeFileSync(truncated, full.slice(0, full.indexOf('<Customer')));
    const summary = await runImport(app.deps, [truncated, V6_CHANGE]);
    expect(summary.failed).toHaveLength(1);
    expect(summary.failed[0]!.file).toBe(truncated);
    expect(summary.failed[0]!.error).toMatch(/truncated\.xml: malformed POSLog XML: line 4\d, column \d+: /);
    expect(summary).toMatchObject({ files: 1, transactions: 1 });
    expect(app.deps.sqlite.query("SELECT count(*) AS n FROM transactions WHERE receipt_no = '2'").get()).toEqual({ n: 0 });
  });

  it('a document that breaks after complete transactions keeps none of them', async () => {
    const fresh = createTestAppliance();
    try {
      const broken = join(work, 'broken-after-a-sale.xml');
      writeFileSync(broken, readFileSync(fixture('poslog-cancelled.xml'), 'utf8').replace('</POSLog>', '<Transaction><RetailStoreID>S001</Oops></Transaction></POSLog>'));
      const summary = await runImport(fresh.deps, [broken]);
      expect(summary.failed).toEqual([{ file: broken, error: expect.stringMatching(/broken-after-a-sale\.xml: malformed POSLog XML: line 65, column \d+: unexpected close tag/) }]);
      expect(fresh.counts()).toMatchObject({ transactions: 0, lines: 0, customers: 0, links: 0 });
    } finally {
      fresh.close();
    }
  });

  it('a file that is not XML, an empty file, and an XML file that is not POSLog are clear failures', async () => {
    const notXml = join(work, 'lines.xml');
    writeFileSync(notXml, 'customer_id,transaction_id,occurred_at,sku,quantity,amount\nc1,t1,2024-01-05T10:00:00+08:00,A,1,2.50\n');
    const empty = join(work, 'empty.xml');
    writeFileSync(empty, '');
    const other = join(work, 'other.xml');
    writeFileSync(other, '<?xml version="1.0"?><Invoice><Total>3.00</Total></Invoice>');
    const summary = await runImport(app.deps, [notXml, empty, other, join(work, 'missing.xml')]);
    expect(summary.failed.map((f) => f.error)).toEqual([
      expect.stringContaining('lines.xml: malformed POSLog XML: line 3, column 0: text data outside of root node'),
      expect.stringContaining('empty.xml: malformed POSLog XML: line 1, column 0: document must contain a root element'),
      expect.stringContaining('other.xml: malformed POSLog XML: line 1, column 0: not a POSLog document (root element <invoice>)'),
      expect.stringContaining('missing.xml: ENOENT'),
    ]);
  });
});

describe('cli import of POSLog and CSV together, in its own process', () => {
  it('imports a.xml and b.csv in one run and prints one JSON summary', () => {
    const dataDir = join(work, 'cli');
    const csv = join(work, 'two-lines.csv');
    writeFileSync(csv, 'customer_id,transaction_id,occurred_at,sku,quantity,amount\nc1,t1,2024-08-01T10:00:00+02:00,A,1,2.50\nc1,t1,2024-08-01T10:00:00+02:00,B,2,4.00\n');
    const out = spawnSync(join(process.cwd(), 'node_modules/.bin/bun'), ['server/cli/index.ts', 'import', V6_SALE, csv, '--json'], {
      env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, STORE_DEMO: '0', STORE_ID: '100', STORE_TZ: 'Europe/Berlin' },
      encoding: 'utf8',
    });
    expect(out.status).toBe(0);
    // POSLog: 1 transaction, 1 line, 26.99; CSV: 1 transaction, 2 lines, 6.50; customers 22000129 and c1.
    expect(JSON.parse(out.stdout)).toMatchObject({ files: 2, transactions: 2, duplicates: 0, lines: 3, customers: 2, gross_amount: 33.49, rejected: [], failed: [] });
  });
});

describe('POST /api/v1/poslog', () => {
  let ncr: TestAppliance;
  let store: TestAppliance;
  beforeAll(() => {
    ncr = createTestAppliance({ env: { STORE_ID: '9', STORE_TZ: 'America/Chicago' } });
    store = createTestAppliance();
  });
  afterAll(() => {
    ncr.close();
    store.close();
  });

  it('stores the retail transactions of a document and answers one result each; a replay gives duplicates', async () => {
    const body = readFileSync(NCR, 'utf8');
    const first = await post(ncr, body);
    expect(first.status).toBe(200);
    // Transaction 0 is the sign-on (no result); 1 is the sale.
    expect(first.body).toEqual({
      results: [{ index: 1, receipt_no: '161', status: 'stored', line: 1, id: expect.any(String), customer_id: expect.any(String), original_id: null }],
      stored: 1,
      duplicates: 0,
      rejected: 0,
      skipped: 0,
    });
    const row = tx(ncr, '34', '161');
    expect(row).toMatchObject({ id: first.body.results[0]?.id, total: 107, source: 'poslog' });

    const before = ncr.counts();
    const replay = await post(ncr, body, { contentType: 'text/xml; charset=utf-8' });
    expect(replay.status).toBe(200);
    expect(replay.body).toMatchObject({ stored: 0, duplicates: 1, rejected: 0, skipped: 0, results: [{ index: 1, status: 'duplicate', id: first.body.results[0]?.id }] });
    expect(ncr.counts()).toEqual(before);
  });

  it('refuses a receipt over the same total cap as the JSON API, and stores nothing of it', async () => {
    const huge = '200000000.00';
    const body = `<?xml version="1.0"?><POSLog><Transaction>
      <RetailStoreID>S001</RetailStoreID><WorkstationID>5</WorkstationID><SequenceNumber>9001</SequenceNumber>
      <EndDateTime>2026-11-20T10:15:00+08:00</EndDateTime>
      <RetailTransaction>
        <LineItem><Sale><ItemID>A1</ItemID><RegularSalesUnitPrice>${huge}</RegularSalesUnitPrice><ExtendedAmount>${huge}</ExtendedAmount><Quantity>1</Quantity></Sale></LineItem>
        <LineItem><Tender TenderType="Cash"><Amount>${huge}</Amount></Tender></LineItem>
      </RetailTransaction></Transaction></POSLog>`;
    const before = store.counts();
    const res = await post(store, body);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stored: 0, rejected: 1, results: [{ receipt_no: '9001', status: 'rejected' }] });
    expect(res.body.results[0]?.error?.message).toMatch(/sale total is more than 100000000/);
    expect(store.counts()).toEqual(before);
  });

  it('skips cancelled, voided, training and suspended transactions and says why', async () => {
    const res = await post(store, readFileSync(fixture('poslog-cancelled.xml'), 'utf8'));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stored: 1, duplicates: 0, rejected: 0, skipped: 4 });
    expect(res.body.results.map((r) => [r.index, r.receipt_no, r.status, r.line, r.reason])).toEqual([
      [0, '9001', 'skipped', 4, 'CancelFlag is set'],
      [1, '9002', 'skipped', 16, 'VoidFlag is set'],
      [2, '9003', 'skipped', 29, 'TrainingModeFlag is set'],
      [3, '9004', 'skipped', 42, 'TransactionStatus Suspended'],
      [4, '9005', 'stored', 53, undefined],
    ]);
  });

  it('gives rejections their error and line, and links a return to a sale earlier in the same document', async () => {
    const bad = await post(store, readFileSync(fixture('poslog-bad-totals.xml'), 'utf8'));
    expect(bad.body).toMatchObject({ stored: 1, rejected: 3, skipped: 0 });
    expect(bad.body.results.map((r) => [r.receipt_no, r.status, r.error?.code, (r.error?.details as { line?: number } | undefined)?.line])).toEqual([
      ['8001', 'rejected', 'validation_failed', 3],
      ['8002', 'rejected', 'wrong_store', 12],
      ['8003', 'rejected', 'validation_failed', 21],
      ['8004', 'stored', undefined, undefined],
    ]);

    const sale = readFileSync(fixture('poslog-voided-line.xml'), 'utf8');
    const exchange = readFileSync(fixture('poslog-exchange.xml'), 'utf8');
    // One document: the sale's <Transaction> then the exchange's (namespaces differ; local names match).
    const transactionOf = (doc: string, open: string, close: string) => doc.slice(doc.indexOf(open), doc.indexOf(close) + close.length);
    const doc = `<POSLog xmlns="http://www.nrf-arts.org/IXRetail/namespace/" xmlns:p="http://www.nrf-arts.org/IXRetail/namespace/" xmlns:x="urn:example:vendor-x">${transactionOf(sale, '<p:Transaction>', '</p:Transaction>')}${transactionOf(exchange, '<Transaction>', '</Transaction>')}</POSLog>`;
    const res = await post(store, doc);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ stored: 3, duplicates: 0, rejected: 0, skipped: 0 });
    expect(res.body.results).toHaveLength(3);
    const [s, x, r] = res.body.results as [PosLogItemResult, PosLogItemResult, PosLogItemResult];
    expect([s.index, s.receipt_no, x.index, x.receipt_no, r.index, r.receipt_no]).toEqual([0, '7001', 1, '7002', 1, '7002#R']);
    expect(r.original_id).toBe(s.id);
    expect(r.customer_id).toBe(s.customer_id);
  });

  it('reads the encoding the XML declaration names (ISO-8859-1)', async () => {
    const text = readFileSync(fixture('poslog-cancelled.xml'), 'utf8')
      .replace('encoding="UTF-8"', 'encoding="ISO-8859-1"')
      .replace('<SequenceNumber>9005</SequenceNumber>', '<SequenceNumber>9105</SequenceNumber>')
      .replace('<ItemID>6901234567890</ItemID><RegularSalesUnitPrice>4.50</RegularSalesUnitPrice><ExtendedAmount>9.00', '<ItemID>6901234567890</ItemID><Description>Müsli</Description><RegularSalesUnitPrice>4.50</RegularSalesUnitPrice><ExtendedAmount>9.00');
    const res = await post(store, Uint8Array.from(Buffer.from(text, 'latin1')).buffer);
    expect(res.body).toMatchObject({ stored: 1, skipped: 4 });
    expect(linesOf(store, tx(store, '3', '9105').id)).toMatchObject([{ name: 'Müsli' }]);
  });

  it('malformed XML is 400 malformed_xml with the line, and nothing of the document is stored', async () => {
    const before = store.counts();
    const text = readFileSync(fixture('poslog-bad-totals.xml'), 'utf8');
    // The first two transactions, then a broken third where the third was (line 21).
    const parts = text.split('  <Transaction>');
    const res = await post(store, `${parts.slice(0, 3).join('  <Transaction>')}  <Transaction><Broken></Transaction></POSLog>`, {}, errorBodySchema);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'malformed_xml', details: { line: 21 } });
    expect(res.body.error.message).toContain('line 21');
    expect(store.counts()).toEqual(before);
  });

  it('415 for another content type, 401 without a token, 403 for a clerk', async () => {
    const body = readFileSync(fixture('poslog-control.xml'), 'utf8');
    const json = await post(store, body, { contentType: 'application/json' }, errorBodySchema);
    expect(json.status).toBe(415);
    expect(json.body.error.code).toBe('unsupported_media_type');
    expect((await post(store, body, { role: null }, errorBodySchema)).status).toBe(401);
    const clerk = await post(store, body, { role: 'clerk' }, errorBodySchema);
    expect(clerk.status).toBe(403);
    expect(clerk.body.error.code).toBe('forbidden');
    const control = await post(store, body);
    expect(control).toEqual({ status: 200, body: { results: [], stored: 0, duplicates: 0, rejected: 0, skipped: 0 } });
  });
});
