import type { AppDeps } from './app-deps.ts';
import { localTime } from '../kernel/local-time.ts';
import { getMetric, setMetric } from '../db/store-metrics.ts';
import { dailySweepSteps, sweepDepsFrom } from './daily-sweep.ts';
import { runStepwise } from '../db/sweep-steps.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

const CHECK_EVERY_MS = 15 * 60_000;

const SWEPT_DAY_METRIC = 'daily_sweep_day';
/** store_metrics: the last daily sweep's duration in ms (GET /metrics). */
export const SWEEP_MS_METRIC = 'daily_sweep_ms';

/**
 * Runs the daily sweep once per store-local day (checked at start and every 15 minutes), a step at a time
 * through the write queue: POS transactions go on between its steps and never wait for more than one.
 * The day of the last sweep is kept in the database: a restart during opening hours does not sweep again.
 * Returns the interval handle for shutdown.
 */
export function scheduleDailySweep(deps: AppDeps, log: Logger): ReturnType<typeof setInterval> {
  let lastDay = getMetric<string>(deps.sqlite, SWEPT_DAY_METRIC) ?? '';
  if (lastDay === localTime(deps.config.STORE_TZ, deps.clock()).date) log.info('sweep.skipped', { reason: 'already_done_today', day: lastDay });
  const tick = () => {
    const today = localTime(deps.config.STORE_TZ, deps.clock()).date;
    if (today === lastDay) return;
    lastDay = today;
    const now = deps.clock();
    runStepwise(deps.writes.run, dailySweepSteps(sweepDepsFrom(deps), now))
      .then(async (report) => {
        // Marked done only after its last step: a sweep cut short by a restart runs again (every step can be repeated).
        await deps.writes.run(() => {
          setMetric(deps.sqlite, SWEPT_DAY_METRIC, today, deps.clock());
          setMetric(deps.sqlite, SWEEP_MS_METRIC, report.ms, deps.clock());
        });
        return report;
      })
      .then((r) => log.info('sweep.finished', { day: today, stage_changes: r.lifecycle.changed, customers_points_expired: r.pointsExpired.customers, actions_expired: r.actionsExpired, duration_ms: r.ms }))
      .catch((error: unknown) => {
        lastDay = '';
        log.error('sweep.failed', { day: today, ...errorFields(error) });
      });
  };
  tick();
  return setInterval(tick, CHECK_EVERY_MS);
}
