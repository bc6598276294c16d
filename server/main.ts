import { UNLIMITED_BODY } from './http/request-body.ts';
import { createApp } from './app/app.ts';
import { openAppliance } from './app/appliance.ts';
import { asLogLine, loadConfigOrExit } from './kernel/config.ts';
import { isEmptyStore, retireDemoTokens, seedDemoOnFirstStart } from './demo/demo-startup.ts';
import { scheduleDailySweep } from './orchestration/sweep-schedule.ts';
import { startCheckpointer } from './db/checkpointer.ts';
import { scheduleScoring } from './orchestration/scoring-schedule.ts';
import { scheduleItemStats } from './orchestration/item-stats-schedule.ts';
import { dbPath } from './db/open.ts';
import { startSyncAgent } from './orchestration/sync-agent.ts';
import { processLogger } from './kernel/log.ts';
import { systemClock } from './kernel/clock.ts';

function main(): void {
  const config = loadConfigOrExit(asLogLine);
  const log = processLogger(config, 'stdout');
  const deps = openAppliance(config, systemClock, log);
  if (config.STORE_DEMO && isEmptyStore(deps)) seedDemoOnFirstStart(deps, log);
  if (!config.STORE_DEMO) retireDemoTokens(deps, log);
  const app = createApp(deps);
  const sweeps = scheduleDailySweep(deps, log);
  const checkpoints = startCheckpointer(deps.sqlite, dbPath(config.DATA_DIR), log);
  const scoring = scheduleScoring(deps, log);
  const itemStats = scheduleItemStats(deps, log);
  const sync = startSyncAgent(deps, dbPath(config.DATA_DIR), log);
  // Bun would refuse a body over its maxRequestBodySize itself, with a bare 413 and before any token check. The
  // routes' own limits (auth first, then limitBody, http/request-body.ts) answer that with the JSON error body.
  const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, maxRequestBodySize: UNLIMITED_BODY });
  log.info('server.started', { role: 'store', store_id: config.STORE_ID, url: `http://${server.hostname}:${server.port}`, data_dir: config.DATA_DIR });

  const stop = async (signal: NodeJS.Signals) => {
    log.info('server.stopping', { signal });
    // Let queued writes commit before closing; their callers are waiting for the answer.
    clearInterval(sweeps);
    checkpoints.stop();
    scoring.stop();
    itemStats.stop();
    sync?.stop();
    await server.stop();
    await deps.rescore.idle();
    await deps.writes.drain();
    await deps.models.close();
    deps.sqlite.close();
    deps.walSync.close();
    log.info('server.stopped', {});
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
