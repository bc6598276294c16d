import type { AppDeps } from '../app-deps.ts';
import { localTime } from '../actions/action-context.ts';
import { runDailySweep, sweepDepsFrom } from './daily-sweep.ts';

const CHECK_EVERY_MS = 15 * 60_000;

/**
 * Runs the daily sweep at start and then once per store-local day, through the write queue so it never
 * interleaves with a POS transaction. Returns the interval handle for shutdown.
 */
export function scheduleDailySweep(deps: AppDeps, log: (line: string) => void): ReturnType<typeof setInterval> {
  let lastDay = '';
  const tick = () => {
    const today = localTime(deps.config.STORE_TZ, deps.clock()).date;
    if (today === lastDay) return;
    lastDay = today;
    deps.writes
      .run(() => runDailySweep(sweepDepsFrom(deps), deps.clock()))
      .then((r) => log(`daily sweep: ${r.lifecycle.changed} stage changes, ${r.pointsExpired.customers} customers with expired points, ${r.actionsExpired} actions expired (${r.ms} ms)`))
      .catch((error: unknown) => {
        lastDay = '';
        log(`daily sweep failed: ${error instanceof Error ? error.message : String(error)}`);
      });
  };
  tick();
  return setInterval(tick, CHECK_EVERY_MS);
}
