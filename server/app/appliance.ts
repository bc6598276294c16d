import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AppDeps } from '../orchestration/app-deps.ts';
import { type Clock, systemClock } from '../kernel/clock.ts';
import type { Config } from '../kernel/config.ts';
import { dbPath, openDb } from '../db/open.ts';
import { createWriteQueue } from '../db/write-queue.ts';
import { createWalSync } from '../db/wal-sync.ts';
import { createStoreMetrics } from '../http/metrics.ts';
import { candidateModelDirs, createModelRegistry } from '../scoring/serving/model-registry.ts';
import { createRescoreQueue } from '../scoring/serving/rescore-queue.ts';
import { createHybridScoreEngine } from '../scoring/serving/hybrid-score-engine.ts';
import { createInlineScoreEngine, type ScoreEngine } from '../scoring/serving/score-engine.ts';
import { createWorkerScoreEngine } from '../scoring/serving/worker-score-engine.ts';
import type { ScoringDeps } from '../scoring/serving/scores.service.ts';
import { createAuthenticator } from '../auth/authenticator.ts';
import { createSessionStore } from '../auth/session-store.ts';
import { createAuditTrail } from '../audit/audit-trail.ts';
import { createPresenceHub } from '../customers/presence-hub.ts';
import { createSyncBoard } from '../orchestration/sync-board.ts';
import { lifecycleRulesFrom } from '../lifecycle/lifecycle-rules.ts';
import { loyaltyRulesFrom } from '../loyalty/loyalty-rules.ts';
import { processLogger, silentLogger, type Logger } from '../kernel/log.ts';

/** The models shipped in the repository (trained on public data, item-agnostic features). */
export const SHIPPED_MODELS_DIR = fileURLToPath(new URL('../../models/default', import.meta.url));

/**
 * Opens the store's database (migrating it) and builds the dependencies every entry point shares. `log` is where
 * the appliance's events go: the server passes its stdout logger; by default stderr, as for a CLI command.
 */
export function openAppliance(config: Config, clock: Clock = systemClock, log: Logger = processLogger(config, 'stderr')): AppDeps {
  const file = dbPath(config.DATA_DIR);
  const sqlite = openDb(file);
  // Commits are made durable by the explicit WAL fsync of wal-sync.ts (write queue, imports), not by
  // SQLite's own fsync at every COMMIT, which would block the event loop.
  sqlite.exec('PRAGMA synchronous = NORMAL');
  const walSync = createWalSync(`${file}-wal`);
  const metrics = createStoreMetrics();
  const durable = async () => {
    const t0 = performance.now();
    await walSync.durable();
    metrics.fsync((performance.now() - t0) / 1000);
  };
  const writes = createWriteQueue(sqlite, { durable, log, fatal: () => process.exit(1) });
  const shipped = config.MODELS_DIR || SHIPPED_MODELS_DIR;
  const dataModelsDir = join(config.DATA_DIR, 'models');
  const inline = (registryLog: Logger): ScoreEngine =>
    createInlineScoreEngine({
      sqlite,
      models: createModelRegistry({ candidates: () => candidateModelDirs(dataModelsDir, shipped), log: registryLog }),
      returnBlockDays: config.ACTIONS_RETURN_BLOCK_DAYS,
      k: config.SCORING_RECOMMENDATIONS,
    });
  // The server: one customer on the event loop, more on the scoring threads (hybrid-score-engine.ts). The
  // threads' registry logs what is served and what failed to load; the event loop's loads the same sets.
  const models: ScoreEngine = config.SCORING_WORKER
    ? createHybridScoreEngine(
        inline(silentLogger),
        createWorkerScoreEngine(
          { file, dataModelsDir, shippedDir: shipped, returnBlockDays: config.ACTIONS_RETURN_BLOCK_DAYS, k: config.SCORING_RECOMMENDATIONS, cacheKiB: 32 * 1024 },
          log,
          Math.min(config.SCORING_THREADS, availableParallelism()),
        ),
      )
    : inline(log);
  const scoring: ScoringDeps = { sqlite, engine: models, write: (work) => writes.runDerived(work) };
  return {
    config,
    sqlite,
    clock,
    log,
    rules: loyaltyRulesFrom(config),
    lifecycle: lifecycleRulesFrom(config),
    walSync,
    writes,
    audit: createAuditTrail({ sqlite, writes, clock, log }),
    presence: createPresenceHub(sqlite),
    sync: createSyncBoard(),
    auth: createAuthenticator(
      sqlite,
      createSessionStore({ clock, idleMs: config.SESSION_IDLE_MINUTES * 60_000, maxMs: config.SESSION_MAX_HOURS * 3_600_000 }),
    ),
    models,
    scoring,
    rescore: createRescoreQueue(scoring, clock, { log }),
    metrics,
  };
}
