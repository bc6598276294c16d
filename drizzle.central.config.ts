import { defineConfig } from 'drizzle-kit';

/** Central's PostgreSQL schema (`npm run db:generate:central`); the store's SQLite one is drizzle.config.ts. */
export default defineConfig({
  dialect: 'postgresql',
  schema: './server/central/schema.ts',
  out: './server/central/migrations',
});
