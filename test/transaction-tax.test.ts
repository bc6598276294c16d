import { Database } from 'bun:sqlite';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import { migrate } from 'drizzle-orm/bun-sqlite/migrator';
import { afterEach, describe, expect, it } from 'vitest';
import { overviewSchema } from '../server/contract/analytics.ts';
import { errorBodySchema } from '../server/contract/errors.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { transactionSchema } from '../server/contract/transaction.ts';
import { contentHash } from '../server/ingest/content-hash.ts';
import { normalizeTransaction } from '../server/ingest/normalize-transaction.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

/*
 * A transaction's tax through the JSON API: included (VAT) or on top (sales tax), its checks, the replay rule,
 * the overview's tax figures, and a store database from before tax was recorded upgraded in place.
 * sale() comes to 63.90 (9.00 + 54.90), paid 63.90 by card.
 */

let t: TestAppliance | undefined;
afterEach(() => {
  t?.close();
  t = undefined;
});

const app = () => (t ??= createTestAppliance());
const stored = (body: unknown) => app().call('POST', '/api/v1/transactions', { role: 'terminal', body }, ingestResultSchema);
const refused = (body: unknown) => app().call('POST', '/api/v1/transactions', { role: 'terminal', body }, errorBodySchema);
/** November 2026, around sale()'s time (the default period ends now, before it). */
const NOVEMBER = '/api/v1/analytics/overview?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z';
const taxRow = (receiptNo: string) =>
  app().deps.sqlite.query('SELECT total, tax, tax_included, tenders FROM transactions WHERE receipt_no = ?').get(receiptNo) as {
    total: number;
    tax: number | null;
    tax_included: number | null;
    tenders: string;
  };

describe('tax on a JSON transaction', () => {
  it('stores VAT included in the line amounts: the total stays the lines, the tenders pay it', async () => {
    const body = sale({ tax: { amount: 7.35, included: true } });
    expect((await stored(body)).status).toBe(201);
    expect(taxRow(body.receipt_no)).toMatchObject({ total: 6390, tax: 735, tax_included: 1 });
  });

  it('stores sales tax charged on top: the total stays the lines, the tenders pay lines + tax', async () => {
    const body = sale({ tax: { amount: 5.11, included: false }, tenders: [{ type: 'card', amount: 69.01 }] });
    expect((await stored(body)).status).toBe(201);
    expect(taxRow(body.receipt_no)).toEqual({ total: 6390, tax: 511, tax_included: 0, tenders: JSON.stringify([{ type: 'card', amount: 6901 }]) });
    // A return refunds its tax on top too; the tax is kept as a magnitude, like the amounts.
    const ret = sale({ kind: 'return', customer: undefined, lines: [{ sku: 'A', quantity: 1, unit_price: 10, amount: 10 }], tax: { amount: 0.8, included: false }, tenders: [{ type: 'card', amount: 10.8 }] });
    expect((await stored(ret)).status).toBe(201);
    expect(taxRow(ret.receipt_no)).toMatchObject({ total: -1000, tax: 80, tax_included: 0 });
  });

  it('refuses a tax that is negative, more than the total, not adding up with the tenders, or half given: 422 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ tax: { amount: -1, included: true } }, 'tax.amount'],
      [{ tax: { amount: 63.91, included: true } }, 'tax.amount'],
      [{ tax: { amount: 1.005, included: true } }, 'tax.amount'],
      [{ tax: { amount: 5.11, included: false } }, 'tenders'], // paid 63.90, owed 63.90 + 5.11
      [{ tax: { amount: 5.11, included: true }, tenders: [{ type: 'card', amount: 69.01 }] }, 'tenders'],
      [{ tax: { amount: 5.11 } }, 'tax.included'],
      [{ tax: { amount: 5.11, included: true, rate: 0.08 } }, 'tax'],
      [{ tax: 5.11 }, 'tax'],
    ];
    for (const [over, path] of cases) {
      const res = await refused(sale(over));
      expect(res.status, JSON.stringify(over)).toBe(422);
      expect(res.body.error.details, JSON.stringify(over)).toContainEqual(expect.objectContaining({ path }));
    }
    expect(app().counts().transactions).toBe(0);
  });

  it('a receipt stored without tax and re-sent with it is the same receipt (200, nothing written); another tax is a 409', async () => {
    const plain = sale();
    const first = await stored(plain);
    const before = app().counts();
    const withTax = await stored({ ...plain, tax: { amount: 7.35, included: true } });
    expect(withTax).toEqual({ status: 200, body: first.body });
    expect(taxRow(plain.receipt_no).tax).toBeNull(); // a fact is never updated in place
    expect(app().counts()).toEqual(before);

    const taxed = sale({ tax: { amount: 7.35, included: true } });
    const original = await stored(taxed);
    expect((await stored(taxed)).status).toBe(200);
    expect((await stored({ ...taxed, tax: undefined })).status).toBe(200); // silent about tax: nothing contradicts it
    for (const tax of [{ amount: 7.36, included: true }, { amount: 7.35, included: false }]) {
      const conflict = await refused({ ...taxed, tax, tenders: tax.included ? taxed.tenders : [{ type: 'card', amount: 71.25 }] });
      expect(conflict.status).toBe(409);
      expect(conflict.body.error).toMatchObject({ code: 'idempotency_conflict', details: { receipt_no: taxed.receipt_no, id: original.body.id } });
    }
  });
});

describe('tax in the overview', () => {
  const overview = async () => (await app().call('GET', NOVEMBER, { role: 'manager' }, overviewSchema)).body;

  it('sums the known tax (returns subtract) and says whether revenue includes it: true, false, null when mixed or unknown', async () => {
    expect(await overview()).toMatchObject({ tax: 0, revenue_includes_tax: null, tax_unknown_transactions: 0 }); // nothing sold

    await stored(sale({ tax: { amount: 7.35, included: true } }));
    await stored(sale({ tax: { amount: 0, included: false } })); // a zero tax is in any total
    const ret = { kind: 'return', customer: undefined, lines: [{ sku: 'A', quantity: 1, unit_price: 10, amount: 10 }], tenders: [{ type: 'card', amount: 10 }] };
    await stored(sale({ ...ret, tax: { amount: 1.6, included: true } }));
    expect(await overview()).toMatchObject({ revenue: 117.8, tax: 5.75, revenue_includes_tax: true, tax_unknown_transactions: 0 });

    await stored(sale({ tax: { amount: 5.11, included: false }, tenders: [{ type: 'card', amount: 69.01 }] }));
    expect(await overview()).toMatchObject({ tax: 10.86, revenue_includes_tax: null, tax_unknown_transactions: 0 }); // mixed

    await stored(sale());
    expect(await overview()).toMatchObject({ tax: 10.86, revenue_includes_tax: null, tax_unknown_transactions: 1 });
  });

  it('says false for a store whose every tax came on top', async () => {
    await stored(sale({ tax: { amount: 5.11, included: false }, tenders: [{ type: 'card', amount: 69.01 }] }));
    expect(await overview()).toMatchObject({ revenue: 63.9, tax: 5.11, revenue_includes_tax: false, tax_unknown_transactions: 0 });
  });
});

describe('a store database from before tax was recorded', () => {
  it('upgrades in place: its transactions keep their content and have an unknown tax; re-sent with tax they are replays', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tax-upgrade-'));
    try {
      // The migrations as they were before transaction_tax.
      const oldMigrations = join(dir, 'migrations');
      cpSync(join(process.cwd(), 'server', 'db', 'migrations'), oldMigrations, { recursive: true });
      const journalFile = join(oldMigrations, 'meta', '_journal.json');
      const journal = JSON.parse(readFileSync(journalFile, 'utf8')) as { entries: Array<{ tag: string }> };
      const at = journal.entries.findIndex((e) => e.tag.endsWith('_transaction_tax'));
      expect(at).toBeGreaterThan(0);
      writeFileSync(journalFile, JSON.stringify({ ...journal, entries: journal.entries.slice(0, at) }));

      const body = sale({ customer: undefined });
      const input = normalizeTransaction(transactionSchema.parse(body), { storeId: 'S001', minorDigits: 2, phoneRegion: 'CN', now: Date.parse('2026-11-22T10:00:00+08:00') });
      const old = new Database(join(dir, 'store.db'), { create: true, strict: true });
      migrate(drizzle({ client: old }), { migrationsFolder: oldMigrations });
      expect(old.query("SELECT count(*) AS n FROM pragma_table_info('transactions') WHERE name = 'tax'").get()).toEqual({ n: 0 });
      old
        .query(
          `INSERT INTO transactions (id, store_id, terminal_id, receipt_no, kind, occurred_at, utc_offset_min, total, line_count, points_earned,
             points_reversed, points_redeemed, tenders, change_amount, coupons, content_hash, source, received_at)
           VALUES ('01OLD', 'S001', ?, ?, 'sale', ?, 480, 6390, 2, 0, 0, 0, '[]', 0, '[]', ?, 'api', ?)`,
        )
        .run(input.terminalId, input.receiptNo, input.occurredAt, contentHash(input), input.occurredAt);
      old.close();

      t = createTestAppliance({ env: { DATA_DIR: dir } });
      expect(t.deps.sqlite.query('SELECT id, total, tax, tax_included FROM transactions').all()).toEqual([{ id: '01OLD', total: 6390, tax: null, tax_included: null }]);
      const replay = await stored({ ...body, tax: { amount: 7.35, included: true } });
      expect(replay.status).toBe(200);
      expect(replay.body.id).toBe('01OLD');
      expect((await app().call('GET', NOVEMBER, { role: 'manager' }, overviewSchema)).body).toMatchObject({
        revenue: 63.9,
        tax: 0,
        revenue_includes_tax: null,
        tax_unknown_transactions: 1,
      });
    } finally {
      t?.close();
      t = undefined;
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
