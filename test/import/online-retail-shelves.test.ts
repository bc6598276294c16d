import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliSync } from '../support/cli-sync.ts';

/*
 * A real retailer's history end to end through the CLI a store manager uses: import the Online Retail lines,
 * train on the store's own facts, rescore, and every recommended SKU of every customer is an item of the
 * store's catalog, with its name. (Import, training and rescoring take a few minutes on a shared 2-core box.)
 */

const shared = join(process.cwd(), '..', 'shared', 'datasets');
const dataDir = mkdtempSync(join(tmpdir(), 'online-retail-shelves-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** The CLI's stdout; a failure fails the test with its stderr. */
function cli(args: string[]): string {
  const out = cliSync(dataDir, args);
  if (out.status !== 0) throw new Error(`cli ${args[0]} exited ${out.status}: ${out.stderr}`);
  return out.stdout;
}

describe('Online Retail: import, train --from-db, rescore', () => {
  it('recommends every customer only items of the store, each with its name', () => {
    const imported = JSON.parse(cli(['import', join(shared, 'online-retail/lines.csv.gz'), '--json'])) as { transactions: number; customers: number };
    expect(imported).toMatchObject({ transactions: 17_086, customers: 3_412 });
    cli(['train', '--from-db']);
    const rescored = JSON.parse(cli(['rescore']).trim().split('\n').pop()!) as { customers: number; version: string };
    expect(rescored.version).not.toMatch(/^default@/); // the store's own models, not the shipped ones

    const { Database } = require('bun:sqlite') as typeof import('bun:sqlite');
    const db = new Database(join(dataDir, 'store.db'), { readonly: true });
    try {
      // Filled by the import itself (no sweep has run): every SKU sold, named where the file names it.
      const catalog = new Map(db.query<{ sku: string; name: string | null }, []>('SELECT sku, name FROM catalog_items').all().map((r) => [r.sku, r.name]));
      const soldSkus = db.query<{ n: number }, []>("SELECT count(DISTINCT l.sku) AS n FROM transaction_lines l JOIN transactions t ON t.id = l.tx_id WHERE t.kind = 'sale' AND l.void = 0").get()!.n;
      expect(catalog.size).toBe(soldSkus);
      const scored = db.query<{ customer_id: string; model_version: string; recommendations: string }, []>('SELECT customer_id, model_version, recommendations FROM customer_scores').all();
      expect(scored.length).toBe(rescored.customers);
      expect(scored.length).toBeGreaterThan(3_000);
      let shown = 0;
      const outside: string[] = [];
      const unnamed: string[] = [];
      for (const row of scored) {
        expect(row.model_version).toBe(rescored.version);
        for (const r of JSON.parse(row.recommendations) as Array<{ sku: string; name: string | null }>) {
          shown += 1;
          if (!catalog.has(r.sku)) outside.push(r.sku);
          else if (r.name === null || r.name !== catalog.get(r.sku)) unnamed.push(r.sku);
        }
      }
      expect(outside).toEqual([]);
      expect(unnamed).toEqual([]);
      expect(shown).toBeGreaterThan(scored.length * 5);
    } finally {
      db.close();
    }
  }, 600_000);
});
