import type { AppDeps } from './app-deps.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { dbPath, openDb } from './db/open.ts';
import { createWriteQueue } from './ingest/write-queue.ts';
import { lifecycleRulesFrom } from './lifecycle/lifecycle-rules.ts';
import { loyaltyRulesFrom } from './loyalty/loyalty-rules.ts';

/** Opens the store's database (migrating it) and builds the dependencies every entry point shares. */
export function openAppliance(config: Config, clock: Clock = systemClock): AppDeps {
  const db = openDb(dbPath(config.DATA_DIR));
  return {
    config,
    db,
    sqlite: db.$client,
    clock,
    rules: loyaltyRulesFrom(config),
    lifecycle: lifecycleRulesFrom(config),
    writes: createWriteQueue(db.$client),
  };
}
