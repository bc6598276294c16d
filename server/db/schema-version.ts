import type { Database } from 'bun:sqlite';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { NewerDatabaseError } from '../kernel/errors.ts';

// import.meta.dir is Bun-only and absent under vitest's module runner; the URL form works in both.
export const MIGRATIONS_DIR = fileURLToPath(new URL('./migrations', import.meta.url));

export interface KnownMigration {
  tag: string;
  /** drizzle-kit's folderMillis: what drizzle's migrator stores as created_at for the migration (epoch ms). */
  when: number;
}

/** The migrations this release ships, oldest first (drizzle-kit's journal). */
export function knownMigrations(): KnownMigration[] {
  const journal = JSON.parse(readFileSync(`${MIGRATIONS_DIR}/meta/_journal.json`, 'utf8')) as { entries: KnownMigration[] };
  return journal.entries.map((e) => ({ tag: e.tag, when: e.when }));
}

/** created_at of every migration applied to the database (empty for a new file). */
export function appliedMigrations(sqlite: Database): number[] {
  const table = sqlite.query<{ n: number }, []>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = '__drizzle_migrations'").get();
  if (!table || table.n === 0) return [];
  return sqlite.query<{ created_at: number }, []>('SELECT created_at FROM __drizzle_migrations ORDER BY created_at').all().map((r) => Number(r.created_at));
}

/**
 * Throws NewerDatabaseError when the database has applied a migration this release does not ship. drizzle's
 * migrator would skip every migration older than the database's newest and carry on, leaving this release's
 * code on tables it does not know.
 */
export function assertNotNewer(sqlite: Database, file: string): void {
  const known = knownMigrations();
  const knownAt = new Set(known.map((m) => m.when));
  const applied = appliedMigrations(sqlite);
  if (applied.every((at) => knownAt.has(at))) return;
  throw new NewerDatabaseError(
    file,
    { migrations: applied.length, newestAt: Math.max(...applied) },
    { migrations: known.length, newestTag: known.at(-1)?.tag ?? 'none' },
  );
}
