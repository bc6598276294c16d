import { UNLIMITED_BODY } from './http/request-body.ts';
import { createApp } from './app/app.ts';
import { openAppliance } from './app/appliance.ts';
import { loadConfigOrExit } from './kernel/config.ts';
import { isEmptyStore, retireDemoTokens, seedDemoOnFirstStart } from './demo/demo-startup.ts';
import { scheduleDailySweep } from './orchestration/sweep-schedule.ts';
import { startCheckpointer } from './db/checkpointer.ts';
import { scheduleScoring } from './orchestration/scoring-schedule.ts';
import { scheduleItemStats } from './orchestration/item-stats-schedule.ts';
import { dbPath } from './db/open.ts';
import { startSyncAgent } from './orchestration/sync-agent.ts';

function main(): void {
  const config = loadConfigOrExit();
  const deps = openAppliance(config);
  if (config.STORE_DEMO && isEmptyStore(deps)) seedDemoOnFirstStart(deps, (line) => console.log(line));
  if (!config.STORE_DEMO) retireDemoTokens(deps, (line) => console.log(line));
  const app = createApp(deps);
  const sweeps = scheduleDailySweep(deps, (line) => console.log(line));
  const checkpoints = startCheckpointer(deps.sqlite, dbPath(config.DATA_DIR), (line) => console.log(line));
  const scoring = scheduleScoring(deps, (line) => console.log(line));
  const itemStats = scheduleItemStats(deps, (line) => console.log(line));
  const sync = startSyncAgent(deps, dbPath(config.DATA_DIR), (line) => console.log(line));
  // Bun would refuse a body over its maxRequestBodySize itself, with a bare 413 and before any token check. The
  // routes' own limits (auth first, then limitBody, http/request-body.ts) answer that with the JSON error body.
  const server = Bun.serve({ port: config.PORT, hostname: config.HOST, fetch: app.fetch, maxRequestBodySize: UNLIMITED_BODY });
  console.log(`store ${config.STORE_ID} listening on http://${server.hostname}:${server.port} (data in ${config.DATA_DIR})`);
  const chain = config.chainSettings;
  if (chain.version > 0) {
    // Read once, at start: a version received later applies at the next start (GET /api/v1/sync/status says so).
    console.log(`chain settings version ${chain.version}: ${Object.keys(chain.applied).length} applied, ${chain.localOverrides.length} overridden here, ${chain.ignored.length} ignored`);
    for (const i of chain.ignored) console.log(`chain setting ${i.key} ignored: ${i.reason}`);
  }

  const stop = async () => {
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
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

main();
