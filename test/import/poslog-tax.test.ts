import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { posLogResultSchema } from '../../server/contract/ingest-results.ts';
import { runImport } from '../../server/cli/import.command.ts';
import { createTestAppliance, type TestAppliance } from '../support/test-appliance.ts';

/*
 * A POSLog transaction's tax, recorded as the file writes it: sales tax on top (a tax line item, item-level tax,
 * a refund) and VAT included (item-level with TaxIncludedInPriceFlag, only TransactionTaxAmount, only the tax
 * line's type, a voided line's tax), through `cli import` and the live endpoint; and the shared real files.
 * Expected figures are read off the XML (noted in each fixture's comment).
 */

const fixture = (name: string) => join(process.cwd(), 'test', 'import', 'fixtures', name);
const shared = (name: string) => join(process.cwd(), '..', 'shared', 'datasets', 'poslog', name);

let app: TestAppliance | undefined;
afterEach(() => {
  app?.close();
  app = undefined;
});

type TaxRow = { receipt_no: string; kind: string; total: number; tax: number | null; tax_included: number | null };
const rows = (a: TestAppliance) =>
  a.deps.sqlite.query('SELECT receipt_no, kind, total, tax, tax_included FROM transactions ORDER BY receipt_no').all() as TaxRow[];

describe('POSLog tax', () => {
  it('sales tax on top: stored at the goods\' total with the tax recorded as charged on top', async () => {
    app = createTestAppliance();
    const summary = await runImport(app.deps, [fixture('poslog-sales-tax.xml')]);
    expect(summary).toMatchObject({ transactions: 3, rejected: [], failed: [] });
    expect(rows(app)).toEqual([
      { receipt_no: '8201', kind: 'sale', total: 1500, tax: 120, tax_included: 0 },
      { receipt_no: '8202', kind: 'sale', total: 800, tax: 65, tax_included: 0 },
      { receipt_no: '8203', kind: 'return', total: -1000, tax: 80, tax_included: 0 },
    ]);
  });

  it('VAT included: stored at the lines\' total with the tax recorded as included; a voided line\'s VAT left out', async () => {
    app = createTestAppliance();
    const res = await app.app.request('/api/v1/poslog', {
      method: 'POST',
      headers: { authorization: `Bearer ${app.tokens.terminal}`, 'content-type': 'application/xml' },
      body: readFileSync(fixture('poslog-vat-included.xml'), 'utf8'),
    });
    expect(res.status).toBe(200);
    expect(posLogResultSchema.parse(await res.json())).toMatchObject({ stored: 4, rejected: 0 });
    expect(rows(app)).toEqual([
      { receipt_no: '8301', kind: 'sale', total: 1535, tax: 195, tax_included: 1 },
      { receipt_no: '8302', kind: 'sale', total: 2380, tax: 380, tax_included: 1 },
      { receipt_no: '8303', kind: 'sale', total: 1250, tax: 200, tax_included: 1 },
      { receipt_no: '8304', kind: 'sale', total: 400, tax: 64, tax_included: 1 },
    ]);
    const overview = await app.call('GET', '/api/v1/analytics/overview?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z', { role: 'manager' });
    expect(overview.body).toMatchObject({ revenue: 55.65, tax: 8.39, revenue_includes_tax: true, tax_unknown_transactions: 0 });
  });

  it('the shared real files: V6 VAT included in sale and linked return, NCR\'s zero tax', async () => {
    app = createTestAppliance({ env: { STORE_ID: '100', STORE_TZ: 'Europe/Berlin', STORE_CURRENCY: 'EUR' } });
    await runImport(app.deps, [fixture('poslog6-sale-3569.xml'), shared('poslog6-sale_with_customer.xml'), shared('poslog6-retoure_with_link.xml')]);
    // Sale: 26.99 with TransactionTaxAmount 4.31, grand total 26.99. Return: −1.29 with −0.21.
    expect(rows(app).filter((r) => r.receipt_no === '2' || r.kind === 'return')).toEqual([
      { receipt_no: '2', kind: 'sale', total: 2699, tax: 431, tax_included: 1 },
      expect.objectContaining({ kind: 'return', total: -129, tax: 21, tax_included: 1 }),
    ]);
    const ncr = createTestAppliance({ env: { STORE_ID: '9', STORE_TZ: 'America/Chicago', STORE_CURRENCY: 'USD' } });
    try {
      await runImport(ncr.deps, [shared('ncr-acs-small.xml')]);
      expect(rows(ncr)).toEqual([{ receipt_no: '161', kind: 'sale', total: 107, tax: 0, tax_included: 1 }]);
    } finally {
      ncr.close();
    }
  });
});
