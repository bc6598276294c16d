import type { Config } from '../kernel/config.ts';

export type SyncStatusMessage =
  | { ok: true; at: number; cursor: number; applied: number; clockSkewMs: number | null }
  | { ok: false; at: number; error: string };

export interface SyncAgent {
  /** The last run's outcome and the last successful one, for the sync status. */
  status(): { lastRun: SyncStatusMessage | null; lastSuccess: Extract<SyncStatusMessage, { ok: true }> | null };
  stop(): void;
}

/** Starts the store's background sync (sync-worker.ts) when CENTRAL_URL and SYNC_TOKEN are set; null otherwise. */
export function startSyncAgent(config: Config, dbFile: string, log: (line: string) => void): SyncAgent | null {
  if (!config.CENTRAL_URL || !config.SYNC_TOKEN) return null;
  let lastRun: SyncStatusMessage | null = null;
  let lastSuccess: Extract<SyncStatusMessage, { ok: true }> | null = null;
  const worker = new Worker(new URL('./sync-worker.ts', import.meta.url).href);
  worker.onmessage = (event: MessageEvent<SyncStatusMessage>) => {
    const m = event.data;
    if (m.ok) {
      if (m.applied > 0 || lastRun?.ok === false) log(`sync: central has changes up to ${m.cursor} (${m.applied} sent)`);
      if (m.clockSkewMs !== null) log(`sync: this store's clock is ${Math.round(m.clockSkewMs / 1000)} s off central's; its changes are flagged`);
      lastSuccess = m;
    } else if (lastRun?.ok !== false) log(`sync failed: ${m.error} (retrying)`);
    lastRun = m;
  };
  worker.postMessage({ file: dbFile, config });
  log(`sync: pushing to ${config.CENTRAL_URL} every ${config.SYNC_INTERVAL_S} s`);
  return { status: () => ({ lastRun, lastSuccess }), stop: () => void worker.terminate() };
}
