import { SQL } from 'bun';
import { inject } from 'vitest';

/*
 * The PostgreSQL engines central's tests run on: embedded PGlite always, and the suite's own PostgreSQL
 * server (test/support/postgres-global-setup.ts) when there is one. Each caller gets a database of its own.
 */

export interface CentralEngine {
  name: 'pglite' | 'postgres';
  /** A DATABASE_URL for a fresh database of this engine; null for PGlite (central then uses its DATA_DIR). */
  freshDatabaseUrl(): Promise<string | null>;
}

let made = 0;

export function centralEngines(): CentralEngine[] {
  const server = inject('postgresUrl');
  const engines: CentralEngine[] = [{ name: 'pglite', freshDatabaseUrl: async () => null }];
  if (server) {
    engines.push({
      name: 'postgres',
      async freshDatabaseUrl() {
        const name = `central_${process.pid}_${Date.now().toString(36)}_${made++}`;
        const admin = new SQL(server);
        try {
          await admin.unsafe(`CREATE DATABASE ${name}`);
        } finally {
          await admin.close();
        }
        return server.replace(/\/[^/]*$/, `/${name}`);
      },
    });
  }
  return engines;
}
