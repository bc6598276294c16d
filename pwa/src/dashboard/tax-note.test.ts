import { beforeAll, describe, expect, it } from 'vitest';
import type { Overview } from '../../../server/contract/analytics.ts';
import { loadCatalog, makeI18n } from '../i18n/i18n.ts';
import { taxNote } from './tax-note.ts';

/* The dashboard's tax line, with the real catalogs, for each answer the overview can give. */

beforeAll(async () => {
  await loadCatalog('en');
  await loadCatalog('zh');
});

const overview = (over: Partial<Overview>): Overview =>
  ({ currency: 'CNY', tax: 0, revenue_includes_tax: null, tax_unknown_transactions: 0, returns: { sales: 3, returns: 0, count_rate: 0, amount_rate: 0 }, ...over }) as Overview;

describe('taxNote', () => {
  const en = () => makeI18n('en', () => undefined);

  it('says whether revenue includes tax, and how much', () => {
    expect(taxNote(overview({ tax: 1234, revenue_includes_tax: true }), en())).toBe('Includes tax ¥1,234.00');
    expect(taxNote(overview({ tax: 51.1, revenue_includes_tax: false }), en())).toBe('Excl. tax: ¥51.10 tax charged on top');
    expect(taxNote(overview({ tax: 60, revenue_includes_tax: null }), en())).toBe('Partly incl. tax, partly excl.: tax ¥60.00');
    expect(taxNote(overview({ tax: 7.35, tax_unknown_transactions: 1 }), en())).toBe('Tax ¥7.35 where known; unknown for 1 transaction');
    expect(taxNote(overview({ tax: 7.35, tax_unknown_transactions: 1200 }), makeI18n('zh', () => undefined))).toBe('已知税额 ¥7.35；1,200 笔交易税额未知');
  });

  it('says nothing about a period without transactions', () => {
    expect(taxNote(overview({ returns: { sales: 0, returns: 0, count_rate: null, amount_rate: null } }), en())).toBeNull();
  });
});
