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
import { scheduleBackups } from './orchestration/backup-schedule.ts';
import { backupInWorker } from './db/backup-in-worker.ts';
import { removeServerPid, writeServerPid } from './db/server-pid.ts';
import { NewerDatabaseError } from './kernel/errors.ts';
import type { AppDeps } from './orchestration/app-deps.ts';
import type { Config } from './kernel/config.ts';

function main(): void {
  // Everything the appliance writes under DATA_DIR (database, WAL, models, state files) is the owner's alone.
  process.umask(0o077);
  const config = loadConfigOrExit();
  const deps = openOrExit(config);
  // Held while serving: `cli restore` refuses to replace the database under a running server.
  writeServerPid(config.DATA_DIR);
  if (config.STORE_DEMO && isEmptyStore(deps)) seedDemoOnFirstStart(deps, (line) => console.log(line));
  if (!config.STORE_DEMO) retireDemoTokens(deps, (line) => console.log(line));
  const app = createApp(deps);
  const sweeps = scheduleDailySweep(deps, (line) => console.log(line));
  const checkpoints = startCheckpointer(deps.sqlite, dbPath(config.DATA_DIR), (line) => console.log(line));
  const scoring = scheduleScoring(deps, (line) => console.log(line));
  const itemStats = scheduleItemStats(deps, (line) => console.log(line));
  const sync = startSyncAgent(deps, dbPath(config.DATA_DIR), (line) => console.log(line));
  const backups = scheduleBackups({ config, source: dbPath(config.DATA_DIR), clock: deps.clock, takeBackup: backupInWorker }, (line) => console.log(line));
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
    backups.stop();
    await server.stop();
    await deps.rescore.idle();
    // The reads answered in the last interval are written before the database closes.
    await deps.audit.flush();
    await deps.writes.drain();
    await deps.models.close();
    deps.sqlite.close();
    deps.walSync.close();
    removeServerPid(config.DATA_DIR);
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** The appliance's dependencies; a database from a newer release stops the process with the reason and exit code 2. */
function openOrExit(config: Config): AppDeps {
  try {
    return openAppliance(config);
  } catch (error) {
    if (!(error instanceof NewerDatabaseError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

main();
