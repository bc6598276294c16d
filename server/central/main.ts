import { UNLIMITED_BODY } from '../http/request-body.ts';
import { asLogLine, loadConfigOrExit } from '../kernel/config.ts';
import { createCentralApp } from './central-app.ts';
import { processLogger } from '../kernel/log.ts';
import { openCentralStorage } from './central-db.ts';

/* `npm run start:central`: headquarters' instance, over PGlite in DATA_DIR or PostgreSQL at DATABASE_URL. */

async function main(): Promise<void> {
  const config = loadConfigOrExit(asLogLine);
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  const log = processLogger(config, 'stdout');
  const app = createCentralApp({ config, storage, clock: Date.now, log });
  // Bun would refuse a body over its maxRequestBodySize itself, with a bare 413 and before any token check. The
  // routes' own limits (auth first, then limitBody, http/request-body.ts) answer that with the JSON error body.
  const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, maxRequestBodySize: UNLIMITED_BODY });
  log.info('server.started', { role: 'central', engine: storage.engine, url: `http://${server.hostname}:${server.port}`, data_dir: config.DATA_DIR });
  const stop = async (signal: NodeJS.Signals) => {
    log.info('server.stopping', { signal });
    await server.stop();
    await storage.close();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

await main();
