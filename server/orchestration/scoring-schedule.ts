import { localTime } from '../kernel/local-time.ts';
import type { AppDeps } from './app-deps.ts';
import { lastFullRescore, rescoreEveryone } from '../scoring/serving/scores.service.ts';
import { snapshotIfDue } from '../scoring/health/prediction-snapshots.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

const DAILY_CHECK_MS = 15 * 60_000;

/**
 * Serving's clock: loads the models at start, looks for a newer set every MODELS_POLL_SECONDS (hot swap),
 * and rescores everyone when the served version changes and once per store-local day (time alone moves
 * recency, so yesterday's scores go stale). Small chunks keep the event loop free for the POS meanwhile.
 */
export function scheduleScoring(deps: AppDeps, log: Logger): { stop(): void } {
  const localDay = (at: number) => localTime(deps.config.STORE_TZ, at).date;
  let busy = false;
  let started = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const version = !started || deps.config.MODELS_POLL_SECONDS > 0 ? await deps.models.reload() : deps.models.version();
      // The last full rescoring is remembered in the database: a restart does not rescore a million
      // customers that were scored with these models this morning.
      const last = lastFullRescore(deps.sqlite);
      if (version && (version !== last?.version || localDay(last.at) !== localDay(deps.clock()))) {
        const t0 = performance.now();
        const r = await rescoreEveryone(deps.scoring, deps.clock(), { chunk: 1000 });
        log.info('scoring.rescored', { customers: r.customers, version, duration_ms: Math.round(performance.now() - t0) });
      } else if (!started) log.info('scoring.up_to_date', { version });
      if (version) {
        const taken = await snapshotIfDue(deps.scoring, deps.clock(), version);
        if (taken.recorded + taken.backtest > 0) log.info('model_health.snapshot', { customers: taken.recorded, backtest: taken.backtest });
      }
      started = true;
    } catch (error) {
      log.error('scoring.failed', errorFields(error));
    } finally {
      busy = false;
    }
  };
  void tick();
  const every = deps.config.MODELS_POLL_SECONDS > 0 ? Math.min(deps.config.MODELS_POLL_SECONDS * 1000, DAILY_CHECK_MS) : DAILY_CHECK_MS;
  const timer = setInterval(() => void tick(), every);
  return { stop: () => clearInterval(timer) };
}
