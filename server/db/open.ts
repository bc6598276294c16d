import { Database } from 'bun:sqlite';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { drizzle } from 'drizzle-orm/bun-sqlite';
import { migrate } from 'drizzle-orm/bun-sqlite/migrator';
import { assertNotNewer, MIGRATIONS_DIR } from './schema-version.ts';

export function dbPath(dataDir: string): string {
  return join(dataDir, 'store.db');
}

/**
 * Bun's query() keeps prepared statements for at most this many distinct SQL strings per connection,
 * least recently used evicted first (default 20). Storing one transaction alone runs about 20 (more with
 * the multi-row line inserts, the write queue's neighbours and rescoring), so with the default each call
 * evicted a statement needed a moment later and re-prepared it, several times the cost of a cached call
 * (bench/RESULTS.md).
 * Bounded: the SQL strings are the program's own (table names and line counts vary, values are bound).
 */
const QUERY_CACHE_SIZE = 512;

/**
 * Opens (creating if needed) the store database and applies pending migrations.
 * WAL with synchronous=FULL: every COMMIT fsyncs the WAL, so a committed transaction survives a
 * crash or power loss. The appliance's own connection switches to NORMAL and fsyncs the WAL itself, off
 * the event loop, before it answers (appliance.ts, db/wal-sync.ts).
 * A database written by a newer release is refused (NewerDatabaseError) before anything is migrated.
 */
export function openDb(file: string): Database {
  if (Database.MAX_QUERY_CACHE_SIZE < QUERY_CACHE_SIZE) Database.MAX_QUERY_CACHE_SIZE = QUERY_CACHE_SIZE;
  mkdirSync(dirname(file), { recursive: true });
  const sqlite = new Database(file, { create: true, strict: true });
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA synchronous = FULL');
  sqlite.exec('PRAGMA busy_timeout = 5000');
  sqlite.exec('PRAGMA foreign_keys = ON');
  sqlite.exec('PRAGMA cache_size = -65536'); // 64 MiB page cache
  sqlite.exec('PRAGMA temp_store = MEMORY');
  try {
    assertNotNewer(sqlite, file);
  } catch (error) {
    sqlite.close();
    throw error;
  }
  // drizzle-orm's runtime only applies the migrations drizzle-kit generated from schema.ts (its migrator
  // takes a drizzle object); every query is a bun:sqlite prepared statement (README, Storage).
  migrate(drizzle({ client: sqlite }), { migrationsFolder: MIGRATIONS_DIR });
  return sqlite;
}
