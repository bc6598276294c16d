import { retryDelayMs } from '../../sync/backoff.ts';
import { pullUntilCaughtUp } from '../../sync/store/pull-loop.ts';
import type { LogMove } from '../../sync/store/push-loop.ts';
import type { StoreDeps } from '../db/store-deps.ts';
import type { SyncBoard } from './sync-board.ts';
import { applyPulled, createStorePullPort, pullContextOf } from './sync-pull.ts';
import { truncateWalAfterErasure } from '../db/wal-scrub.ts';
import { maskPersonalText, type Logger } from '../kernel/log.ts';
import { urlWithoutCredentials } from '../kernel/url-without-credentials.ts';

export type SyncStatusMessage =
  | { ok: true; at: number; cursor: number; applied: number; clockSkewMs: number | null; moved?: LogMove | null }
  | { ok: false; at: number; error: string };

export interface SyncAgent {
  stop(): void;
}

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;

/** Logs what changed (a push or pull that moved, a failure after success) and puts every run on the board. */
function tracker(direction: 'push' | 'pull', board: SyncBoard, log: Logger) {
  return (m: SyncStatusMessage) => {
    const before = board.last(direction).run;
    if (m.ok) {
      if (m.applied > 0 || before?.ok === false) log.info(`sync.${direction}.done`, { cursor: m.cursor, [direction === 'push' ? 'sent' : 'applied']: m.applied });
      if (m.clockSkewMs !== null) log.warn('sync.clock_skew', { skew_s: Math.round(m.clockSkewMs / 1000) });
      if (m.moved) log.warn('sync.push.restored_gap', { central_cursor: m.moved.centralCursor, store_last_seq: m.moved.storeSeq, moved: m.moved.moved });
      board.record(direction, { at: m.at, ok: true, error: null, cursor: m.cursor, clockSkewMs: m.clockSkewMs });
    } else {
      // The error text comes from the network or central's error body (its code and message), not from a customer's values; masked all the same.
      if (before?.ok !== false) log.warn(`sync.${direction}.failed`, { error_message: maskPersonalText(m.error), retrying: true });
      board.record(direction, { at: m.at, ok: false, error: m.error, cursor: null, clockSkewMs: null });
    }
  };
}

/**
 * The store's background sync when CENTRAL_URL and SYNC_TOKEN are set (null otherwise). Push runs on its own
 * thread with its own read connection (sync-worker.ts), so reading and compressing the change log never holds
 * the event loop that answers POS terminals. Pull runs here: its answers are small and are written through the
 * write queue like every other write. Each runs every SYNC_INTERVAL_S, retrying failures with backoff.
 */
export function startSyncAgent(deps: StoreDeps & { sync: SyncBoard }, dbFile: string, log: Logger): SyncAgent | null {
  const { config } = deps;
  if (!config.CENTRAL_URL || !config.SYNC_TOKEN) return null;
  const push = tracker('push', deps.sync, log);
  const pull = tracker('pull', deps.sync, log);
  const worker = new Worker(new URL('./sync-worker.ts', import.meta.url).href);
  worker.onmessage = (event: MessageEvent<SyncStatusMessage>) => push(event.data);
  worker.postMessage({ file: dbFile, config });

  const pullContext = pullContextOf(config);
  const port = createStorePullPort(deps.sqlite, config, async (answer) => {
    await deps.writes.run(() => applyPulled(deps.sqlite, answer, deps.clock(), pullContext));
    // An erasure made elsewhere leaves nothing in this store's WAL either (as DELETE /customers/:id).
    if (answer.items.some((i) => i.kind === 'erasure')) await truncateWalAfterErasure(deps.sqlite);
  });
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  const runPull = async () => {
    let delay = config.SYNC_INTERVAL_S * 1000;
    try {
      const r = await pullUntilCaughtUp(port);
      failures = 0;
      pull({ ok: true, at: deps.clock(), cursor: r.cursor, applied: r.applied, clockSkewMs: null });
    } catch (error) {
      delay = Math.max(RETRY_BASE_MS, retryDelayMs(failures++, { baseMs: RETRY_BASE_MS, maxMs: Math.min(RETRY_MAX_MS, delay), random: Math.random }));
      pull({ ok: false, at: deps.clock(), error: error instanceof Error ? error.message : String(error) });
    }
    if (!stopped) timer = setTimeout(runPull, delay);
  };
  timer = setTimeout(runPull, 0);
  log.info('sync.started', { central_url: urlWithoutCredentials(config.CENTRAL_URL), interval_s: config.SYNC_INTERVAL_S });
  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      void worker.terminate();
    },
  };
}
