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
import { startListeners } from './app/listeners.ts';
import { gracefulStop } from './app/graceful-stop.ts';

function main(): void {
  const config = loadConfigOrExit();
  const deps = openAppliance(config);
  const log = (line: string) => console.log(line);
  if (config.STORE_DEMO && isEmptyStore(deps)) seedDemoOnFirstStart(deps, log);
  if (!config.STORE_DEMO) retireDemoTokens(deps, log);
  const app = createApp(deps);
  const sweeps = scheduleDailySweep(deps, log);
  const checkpoints = startCheckpointer(deps.sqlite, dbPath(config.DATA_DIR), log);
  const scoring = scheduleScoring(deps, log);
  const itemStats = scheduleItemStats(deps, log);
  const sync = startSyncAgent(deps, dbPath(config.DATA_DIR), log);
  let servers: ReturnType<typeof startListeners>;
  try {
    servers = startListeners(config, app.fetch, log);
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(2);
  }
  const stop = gracefulStop({
    servers,
    background: [{ stop: () => clearInterval(sweeps) }, checkpoints, scoring, itemStats, ...(sync ? [sync] : [])],
    deps,
    log,
    exit: (code) => process.exit(code),
  });
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main();
