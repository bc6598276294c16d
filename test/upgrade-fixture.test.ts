import { Database } from 'bun:sqlite';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { customerCardSchema } from '../server/contract/profile.ts';
import { dbPath } from '../server/db/open.ts';
import { knownMigrations } from '../server/db/schema-version.ts';
import { killAllChildren, runCli, startServer } from './fault/server-process.ts';
import { parseWith } from './support/json-of.ts';

/*
 * Upgrades: a store database written by an earlier release (kept in test/fixtures/upgrade, made by its
 * make-fixture.ts) is migrated by this release with its data intact; a database from a newer release than
 * this one is refused by `npm start` (server/main.ts) with both versions named and exit code 2.
 */

const FIXTURES = fileURLToPath(new URL('./fixtures/upgrade/', import.meta.url));
/** Every fixture kept so far; each later release must migrate all of them. */
const KEPT = ['store-0019_profile_field_hlcs'];
const FACT_TABLES = ['transactions', 'transaction_lines', 'loyalty_ledger', 'customers', 'identity_links', 'customer_events', 'change_log'];

interface Expected {
  written_by: string;
  migrations: number;
  counts: Record<string, number>;
  alice: { id: string; merged_ids: string[]; name: string; points_balance: number; transactions: number };
  shadow: string;
  erased: { id: string; loyalty_card: string };
}

const dirs: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** A fresh DATA_DIR holding a copy of the fixture as store.db. */
function dataDirWith(fixture: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'store-upgrade-'));
  dirs.push(dir);
  copyFileSync(join(FIXTURES, `${fixture}.db`), dbPath(dir));
  return dir;
}

/** The fixture's rows of a table, each as JSON of its own columns (a later release may add columns). */
function rowsOf(db: Database, table: string, columns: readonly string[]): string[] {
  return db.query<Record<string, unknown>, []>(`SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM ${table}`).all().map((r) => JSON.stringify(r));
}

const appliedCount = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.query<{ n: number }, []>('SELECT count(*) AS n FROM __drizzle_migrations').get()!.n;
  } finally {
    db.close();
  }
};

describe.each(KEPT)('the database kept as %s', (fixture) => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, `${fixture}.json`), 'utf8')) as Expected;

  it('is migrated by this release with every fact intact, and serves its customers', async () => {
    const dir = dataDirWith(fixture);
    const server = await startServer(dir);
    const token = (await runCli(dir, ['token', 'create', '--role', 'clerk', '--name', 'upgrade'])).trim();

    // Every migration of this release applied, in the journal's order.
    const upgraded = new Database(dbPath(dir), { readonly: true });
    const original = new Database(join(FIXTURES, `${fixture}.db`), { readonly: true });
    try {
      const applied = upgraded.query<{ created_at: number }, []>('SELECT created_at FROM __drizzle_migrations ORDER BY id').all().map((r) => Number(r.created_at));
      expect(applied).toEqual(knownMigrations().map((m) => m.when));
      expect(applied.length).toBeGreaterThanOrEqual(expected.migrations);
      // Facts are append-only: every row the old release wrote is there as it was (only expiries may be added).
      for (const table of FACT_TABLES) {
        const columns = original.query<{ name: string }, []>(`SELECT name FROM pragma_table_info('${table}')`).all().map((c) => c.name);
        const before = rowsOf(original, table, columns);
        expect(before, table).toHaveLength(expected.counts[table]!);
        const after = new Set(rowsOf(upgraded, table, columns));
        expect(before.filter((r) => !after.has(r)), table).toEqual([]);
      }
      const nonExpiry = upgraded.query<{ n: number }, []>("SELECT count(*) AS n FROM loyalty_ledger WHERE kind <> 'expire'").get()!.n;
      expect(nonExpiry).toBe(expected.counts.loyalty_ledger);
      expect(upgraded.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      upgraded.close();
      original.close();
    }

    // Through the HTTP stack: Alice, with the shadow customer merged into her, her history and her points.
    const headers = { authorization: `Bearer ${token}` };
    const byCard = await fetch(`${server.url}/api/v1/customers/lookup?card=88001234`, { headers });
    expect(byCard.status).toBe(200);
    const alice = parseWith(customerCardSchema, await byCard.json(), 'Alice');
    expect(alice).toMatchObject({ id: expected.alice.id, name: expected.alice.name, merged_ids: expected.alice.merged_ids });
    expect(alice.stats).toBeDefined();
    const db = new Database(dbPath(dir), { readonly: true });
    try {
      const ledger = db.query<{ points: number; expired: number }, [string]>(
        "SELECT sum(points) AS points, sum(CASE WHEN kind = 'expire' THEN points ELSE 0 END) AS expired FROM loyalty_ledger WHERE customer_id = ?",
      ).get(expected.alice.id)!;
      // The balance the old release showed, less only what has expired since it was written.
      expect(alice.points.balance).toBe(ledger.points);
      expect(alice.points.balance - ledger.expired).toBe(expected.alice.points_balance);
      const hers = db.query<{ n: number }, [string]>('SELECT count(*) AS n FROM transactions WHERE customer_id = ?').get(expected.alice.id)!.n;
      expect(hers).toBe(expected.alice.transactions);
    } finally {
      db.close();
    }
    // The erased customer stays erased: his card finds nobody.
    const erased = await fetch(`${server.url}/api/v1/customers/lookup?card=${expected.erased.loyalty_card}`, { headers });
    expect(erased.status).toBe(404);
    expect((await server.stop()).code).toBe(0);
  }, 90_000);

  it('refuses, at `npm start`, a database a newer release has migrated further', async () => {
    const dir = dataDirWith(fixture);
    const db = new Database(dbPath(dir));
    db.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-a-later-release', 4102444800000)");
    db.close();
    const before = appliedCount(dbPath(dir));
    const newest = knownMigrations().at(-1)!.tag;
    await expect(startServer(dir)).rejects.toThrow(
      new RegExp(`exited during start \\(2\\):\\n\\S+store\\.db was written by a newer release \\(${before} migrations, the newest from 2100-01-01T00:00:00\\.000Z\\); this release knows ${knownMigrations().length}, up to ${newest}`),
    );
    expect(appliedCount(dbPath(dir))).toBe(before);
  }, 60_000);
});
