import { localTime } from '../kernel/local-time.ts';
import type { AppDeps } from './app-deps.ts';
import { lastFullRescore, rescoreEveryone } from '../scoring/serving/scores.service.ts';
import { snapshotIfDue } from '../scoring/health/prediction-snapshots.ts';

const DAILY_CHECK_MS = 15 * 60_000;

/**
 * Serving's clock: loads the models at start, looks for a newer set every MODELS_POLL_SECONDS (hot swap),
 * and rescores everyone when the served version changes and once per store-local day (time alone moves
 * recency, so yesterday's scores go stale). Small chunks keep the event loop free for the POS meanwhile.
 */
export function scheduleScoring(deps: AppDeps, log: (line: string) => void): { stop(): void } {
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
        log(`scores: ${r.customers} customers rescored with ${version} in ${Math.round(performance.now() - t0)} ms`);
      } else if (!started) log(`scores: up to date (${version ?? 'no models'})`);
      if (version) {
        const taken = await snapshotIfDue(deps.scoring, deps.clock(), version);
        if (taken.recorded + taken.backtest > 0) log(`model health: snapshot of ${taken.recorded} customers${taken.backtest > 0 ? `, backtest of ${taken.backtest}` : ''}`);
      }
      started = true;
    } catch (error) {
      log(`scoring failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      busy = false;
    }
  };
  void tick();
  const every = deps.config.MODELS_POLL_SECONDS > 0 ? Math.min(deps.config.MODELS_POLL_SECONDS * 1000, DAILY_CHECK_MS) : DAILY_CHECK_MS;
  const timer = setInterval(() => void tick(), every);
  return { stop: () => clearInterval(timer) };
}
