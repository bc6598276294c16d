import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { SQL } from 'bun';
import { drizzle as drizzleBunSql } from 'drizzle-orm/bun-sql';
import { migrate as migrateBunSql } from 'drizzle-orm/bun-sql/migrator';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import * as schema from './schema.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

/** Central's database through drizzle, whichever PostgreSQL runs it. */
export type CentralDb = PgDatabase<PgQueryResultHKT, typeof schema>;

/** A transaction of central's database (what `db.transaction` hands its callback). */
export type CentralTx = Parameters<Parameters<CentralDb['transaction']>[0]>[0];

export interface CentralStorage {
  db: CentralDb;
  /** What runs it, for the status page and logs: "pglite" (embedded, in DATA_DIR) or "postgres". */
  engine: 'pglite' | 'postgres';
  close(): Promise<void>;
}

/**
 * Opens central's PostgreSQL and applies pending migrations: a PostgreSQL server when `databaseUrl` is set,
 * else PGlite (PostgreSQL compiled to WebAssembly) in `dataDir/central-pg`, so a fresh machine needs no setup.
 * Both run the same migrations and the same queries.
 */
export async function openCentralStorage(opts: { dataDir: string; databaseUrl: string | null }): Promise<CentralStorage> {
  if (opts.databaseUrl) {
    const client = new SQL(opts.databaseUrl, { max: 10 });
    const db = drizzleBunSql({ client, schema });
    await migrateBunSql(db, { migrationsFolder: MIGRATIONS_DIR });
    return { db, engine: 'postgres', close: () => client.close() };
  }
  const dir = join(opts.dataDir, 'central-pg');
  mkdirSync(dir, { recursive: true });
  const client = await PGlite.create(dir);
  const db = drizzlePglite({ client, schema });
  await migratePglite(db, { migrationsFolder: MIGRATIONS_DIR });
  return { db, engine: 'pglite', close: () => client.close() };
}
