import { Database } from 'bun:sqlite';
import { chmodSync, existsSync, mkdirSync } from 'node:fs';
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

/** How long a statement waits for another connection's lock before SQLITE_BUSY (ms). */
export const BUSY_TIMEOUT_MS = 5000;

/**
 * The database holds personal data: its directory is the owner's alone (0700) and so are its files (0600; SQLite
 * gives the -wal and -shm files the database file's mode). New files get it from the process umask (main.ts,
 * the CLI); this also corrects a database created before.
 */
function ownerOnly(file: string): void {
  chmodSync(dirname(file), 0o700);
  for (const f of [file, `${file}-wal`, `${file}-shm`]) if (existsSync(f)) chmodSync(f, 0o600);
}

/**
 * Opens (creating if needed) the store database and applies pending migrations.
 * WAL with synchronous=FULL: every COMMIT fsyncs the WAL, so a committed transaction survives a
 * crash or power loss. The appliance's own connection switches to NORMAL and fsyncs the WAL itself, off
 * the event loop, before it answers (appliance.ts, db/wal-sync.ts).
 * A database written by a newer release is refused (NewerDatabaseError) before anything is migrated.
 */
export function openDb(file: string): Database {
  if (Database.MAX_QUERY_CACHE_SIZE < QUERY_CACHE_SIZE) Database.MAX_QUERY_CACHE_SIZE = QUERY_CACHE_SIZE;
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  const sqlite = new Database(file, { create: true, strict: true });
  ownerOnly(file);
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA synchronous = FULL');
  sqlite.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
  // Deleted content (an erasure's old values, freed pages) is overwritten with zeros, not left in free space.
  sqlite.exec('PRAGMA secure_delete = ON');
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
