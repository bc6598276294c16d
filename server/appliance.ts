import type { AppDeps } from './app-deps.ts';
import { type Clock, systemClock } from './clock.ts';
import type { Config } from './config.ts';
import { dbPath, openDb } from './db/open.ts';
import { createWriteQueue } from './ingest/write-queue.ts';
import { createWalSync } from './db/wal-sync.ts';
import { lifecycleRulesFrom } from './lifecycle/lifecycle-rules.ts';
import { loyaltyRulesFrom } from './loyalty/loyalty-rules.ts';

/** Opens the store's database (migrating it) and builds the dependencies every entry point shares. */
export function openAppliance(config: Config, clock: Clock = systemClock): AppDeps {
  const file = dbPath(config.DATA_DIR);
  const db = openDb(file);
  // Commits are made durable by the explicit WAL fsync of wal-sync.ts (write queue, imports), not by
  // SQLite's own fsync at every COMMIT, which would block the event loop.
  db.$client.exec('PRAGMA synchronous = NORMAL');
  const walSync = createWalSync(`${file}-wal`);
  return {
    config,
    db,
    sqlite: db.$client,
    clock,
    rules: loyaltyRulesFrom(config),
    lifecycle: lifecycleRulesFrom(config),
    walSync,
    writes: createWriteQueue(db.$client, { durable: walSync.durable }),
  };
}
