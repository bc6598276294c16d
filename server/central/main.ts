import { UNLIMITED_BODY } from '../http/request-body.ts';
import { loadConfigOrExit } from '../kernel/config.ts';
import { createCentralApp } from './central-app.ts';
import { openCentralStorage } from './central-db.ts';

/* `npm run start:central`: headquarters' instance, over PGlite in DATA_DIR or PostgreSQL at DATABASE_URL. */

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  const app = createCentralApp({ config, storage, clock: Date.now });
  // Bun would refuse a body over its maxRequestBodySize itself, with a bare 413 and before any token check. The
  // routes' own limits (auth first, then limitBody, http/request-body.ts) answer that with the JSON error body.
  const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, maxRequestBodySize: UNLIMITED_BODY });
  console.log(`central (${storage.engine}) listening on http://${server.hostname}:${server.port} (data in ${config.DATA_DIR})`);
  const stop = async () => {
    await server.stop();
    await storage.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
