import { updateCatalog } from '../catalog/catalog.service.ts';
import { runStepwise } from '../db/sweep-steps.ts';
import { itemStatsState, saveStoreItemStats, storeItemStatsSteps, type ItemStatsState } from '../scoring/serving/store-item-stats.ts';
import type { AppDeps } from './app-deps.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

const CHECK_EVERY_MS = 5 * 60_000;
/**
 * Between daily sweeps, the ranker's item context is computed again once the transactions stored since it
 * was last computed reach this share of those it saw: a new store's first sales are on its shelves within
 * minutes, while a big store (whose item figures a day's sales barely move; a whole pass over a 20M-line
 * history is tens of seconds of steps, bench:intelligence) waits for the sweep.
 */
const GROWTH_SHARE = 0.05;

/** True when the stored item context is missing or has fallen behind the transactions stored since. */
export function itemStatsStale(state: ItemStatsState | null, latestRowid: number): boolean {
  if (latestRowid === 0) return false;
  if (state === null) return true;
  return latestRowid - state.throughRowid >= Math.max(1, GROWTH_SHARE * state.throughRowid);
}

/**
 * Computes the item context again if it is stale, a step at a time through the write queue (POS writes go
 * on between the steps), after bringing the catalog up to date (incremental, cheap), so that the items now
 * on the shelves are named too. Resolves to the new state, or null when it was current.
 */
export async function refreshItemStatsIfStale(deps: Pick<AppDeps, 'sqlite' | 'writes' | 'clock'>): Promise<ItemStatsState | null> {
  const latest = deps.sqlite.query<{ n: number | null }, []>('SELECT max(rowid) AS n FROM transactions').get()?.n ?? 0;
  if (!itemStatsStale(itemStatsState(deps.sqlite), latest)) return null;
  const now = deps.clock();
  await deps.writes.run(() => updateCatalog(deps.sqlite, now));
  const computed = await runStepwise(deps.writes.run, storeItemStatsSteps(deps.sqlite, now));
  return deps.writes.run(() => saveStoreItemStats(deps.sqlite, computed, deps.clock()));
}

/** Checks at start and every few minutes; returns the handle for shutdown. */
export function scheduleItemStats(deps: AppDeps, log: Logger): { stop(): void } {
  let busy = false;
  const tick = () => {
    if (busy) return;
    busy = true;
    const t0 = performance.now();
    refreshItemStatsIfStale(deps)
      .then((state) => {
        if (state) log.info('item_stats.computed', { items: state.items, baskets: state.baskets, duration_ms: Math.round(performance.now() - t0) });
      })
      .catch((error: unknown) => log.error('item_stats.failed', errorFields(error)))
      .finally(() => {
        busy = false;
      });
  };
  tick();
  const timer = setInterval(tick, CHECK_EVERY_MS);
  return { stop: () => clearInterval(timer) };
}
