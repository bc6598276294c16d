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
import { scheduleBackups } from './orchestration/backup-schedule.ts';
import { backupInWorker } from './db/backup-in-worker.ts';
import { removeServerPid, writeServerPid } from './db/server-pid.ts';
import { NewerDatabaseError } from './kernel/errors.ts';
import { processLogger, type Logger } from './kernel/log.ts';
import { systemClock } from './kernel/clock.ts';
import type { AppDeps } from './orchestration/app-deps.ts';
import type { Config } from './kernel/config.ts';
import { startListeners } from './app/listeners.ts';
import { gracefulStop } from './app/graceful-stop.ts';

function main(): void {
  // Everything the appliance writes under DATA_DIR (database, WAL, models, state files) is the owner's alone.
  process.umask(0o077);
  const config = loadConfigOrExit(asLogLine);
  const log = processLogger(config, 'stdout');
  const deps = openOrExit(config, log);
  // Held while serving: `cli restore` refuses to replace the database under a running server.
  writeServerPid(config.DATA_DIR);
  if (config.STORE_DEMO && isEmptyStore(deps)) seedDemoOnFirstStart(deps, log);
  if (!config.STORE_DEMO) retireDemoTokens(deps, log);
  const app = createApp(deps);
  // Listening comes before any background work: a port already taken ends the process (exit 2) before a
  // sweep, a sync push or a backup has begun.
  let servers: ReturnType<typeof startListeners>;
  try {
    servers = startListeners(config, app.fetch, log);
  } catch (error) {
    log.error('server.listen_failed', { reason: error instanceof Error ? error.message : String(error) });
    removeServerPid(config.DATA_DIR);
    process.exit(2);
  }
  const sweeps = scheduleDailySweep(deps, log);
  const checkpoints = startCheckpointer(deps.sqlite, dbPath(config.DATA_DIR), log);
  const scoring = scheduleScoring(deps, log);
  const itemStats = scheduleItemStats(deps, log);
  const sync = startSyncAgent(deps, dbPath(config.DATA_DIR), log);
  const backups = scheduleBackups({ config, source: dbPath(config.DATA_DIR), clock: deps.clock, takeBackup: backupInWorker }, log);
  const chain = config.chainSettings;
  if (chain.version > 0) {
    // Read once, at start: a version received later applies at the next start (GET /api/v1/sync/status says so).
    log.info('chain_settings.applied', { version: chain.version, applied: Object.keys(chain.applied).length, local_overrides: chain.localOverrides, ignored: chain.ignored });
  }
  const stop = gracefulStop({
    servers,
    background: [{ stop: () => clearInterval(sweeps) }, checkpoints, scoring, itemStats, backups, ...(sync ? [sync] : [])],
    deps,
    log,
    exit: (code) => process.exit(code),
    afterClose: () => removeServerPid(config.DATA_DIR),
  });
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The appliance's dependencies; a database from a newer release stops the process with the reason and exit code 2. */
function openOrExit(config: Config, log: Logger): AppDeps {
  // The message names both releases; it is for the person starting the process, on stderr.
  try {
    return openAppliance(config, systemClock, log);
  } catch (error) {
    if (!(error instanceof NewerDatabaseError)) throw error;
    console.error(error.message);
    process.exit(2);
  }
}

main();
