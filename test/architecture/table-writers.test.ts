import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { sourceFiles } from './import-graph.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

/*
 * Who may write each table. Facts are written by the one fact writer (with their change-log number);
 * every derived table by the domain that owns it — another domain reaches it through that domain's
 * functions, never its SQL. A new table must be given an owner here.
 */
const WRITERS: Record<string, string> = {
  transactions: 'server/db/fact-writer.ts',
  transaction_lines: 'server/db/fact-writer.ts',
  loyalty_ledger: 'server/db/fact-writer.ts',
  customer_events: 'server/db/fact-writer.ts',
  change_log: 'server/db/fact-writer.ts',
  store_metrics: 'server/db/store-metrics.ts',
  api_tokens: 'server/auth/',
  staff: 'server/auth/',
  customers: 'server/identity/',
  identity_links: 'server/identity/',
  merge_suggestions: 'server/identity/',
  customer_lifecycle: 'server/lifecycle/',
  stage_changes: 'server/lifecycle/',
  customer_points: 'server/loyalty/',
  customer_stats: 'server/stats/',
  customer_months: 'server/stats/',
  chain_customers: 'server/stats/',
  catalog_items: 'server/catalog/',
  item_neighbors: 'server/catalog/',
  actions: 'server/actions/',
  audit_log: 'server/audit/',
  customer_scores: 'server/scoring/',
  prediction_snapshots: 'server/scoring/',
  // Central's PostgreSQL tables (drizzle writes the rest; raw SQL only here).
  store_outbox: 'server/central/',
  store_changes: 'server/central/',
  model_versions: 'server/central/',
  model_files: 'server/central/',
  profile_fields: 'server/central/',
  chain_settings: 'server/central/',
  // Central's identity and sales tables, written set-based with SQL by the push's apply (apply-store-push.ts,
  // chain-identity-store.ts).
  chain_transactions: 'server/central/',
  global_customers: 'server/central/',
  store_customers: 'server/central/',
  global_identifiers: 'server/central/',
};

// SQL is written in upper case here; `ON CONFLICT … DO UPDATE SET` updates the row being inserted.
const WRITE = /\b(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|(?<!DO\s)UPDATE|DELETE\s+FROM|REPLACE\s+INTO)\s+[`"]?(\$\{\w+\}|\w+)/g;

function writesIn(file: string): string[] {
  return [...readFileSync(`${ROOT}/${file}`, 'utf8').matchAll(WRITE)].map((m) => m[1]!);
}

describe('table writers', () => {
  it('writes each table only from its owner', () => {
    const strays: string[] = [];
    for (const file of sourceFiles(ROOT, 'server')) {
      for (const table of writesIn(file)) {
        if (table.startsWith('${')) {
          // A table named at run time: only the fact writer does that (the owner column of the fact tables).
          if (file !== 'server/db/fact-writer.ts') strays.push(`${file} writes a table named at run time`);
          continue;
        }
        const owner = WRITERS[table];
        if (!owner) strays.push(`${file} writes ${table}, which has no owner`);
        else if (!file.startsWith(owner)) strays.push(`${file} writes ${table} (owner: ${owner})`);
      }
    }
    expect(strays).toEqual([]);
  });

  it('finds the writes it checks', () => {
    const all = sourceFiles(ROOT, 'server').flatMap(writesIn);
    for (const table of ['transactions', 'customers', 'actions', 'customer_points']) expect(all).toContain(table);
  });
});
