import { loadConfigOrExit } from '../kernel/config.ts';
import { createCentralApp } from './central-app.ts';
import { openCentralStorage } from './central-db.ts';

/* `npm run start:central`: headquarters' instance, over PGlite in DATA_DIR or PostgreSQL at DATABASE_URL. */

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  const app = createCentralApp({ config, storage, clock: Date.now });
  const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, maxRequestBodySize: config.MAX_BATCH_BODY_BYTES * 4 });
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
