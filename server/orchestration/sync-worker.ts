import { Database } from 'bun:sqlite';
import { retryDelayMs } from '../../sync/backoff.ts';
import { pushUntilCaughtUp } from '../../sync/store/push-loop.ts';
import type { Config } from '../kernel/config.ts';
import { BUSY_TIMEOUT_MS } from '../db/open.ts';
import { createStorePushPort } from './sync-push-port.ts';
import type { SyncStatusMessage } from './sync-agent.ts';

/*
 * The store's sync, on a thread of its own with its own read-only connection: reading and compressing a
 * batch of thousands of facts never holds the event loop that answers POS terminals. Every SYNC_INTERVAL_S
 * it pushes until central is caught up; after a failure it retries with exponential backoff and full
 * jitter (1 s up to the interval, at most 5 min), and tells the main thread how each run went.
 */
declare const self: Worker;

const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 5 * 60_000;

self.onmessage = (event: MessageEvent<{ file: string; config: Config }>) => {
  const { file, config } = event.data;
  const db = new Database(file, { readonly: true });
  db.exec('PRAGMA busy_timeout = 5000');
  const port = createStorePushPort(db, config, Date.now, (write) => {
    // Only to move the log after a restore (once): a writable connection of its own, set up as the store's.
    const writer = new Database(file);
    try {
      writer.exec(`PRAGMA busy_timeout = ${BUSY_TIMEOUT_MS}`);
      writer.exec('PRAGMA secure_delete = ON');
      return write(writer);
    } finally {
      writer.close();
    }
  });
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = async () => {
    let delay = config.SYNC_INTERVAL_S * 1000;
    try {
      const r = await pushUntilCaughtUp(port);
      failures = 0;
      self.postMessage({ ok: true, at: Date.now(), cursor: r.cursor, applied: r.applied, clockSkewMs: r.clockSkewMs, moved: r.moved } satisfies SyncStatusMessage);
    } catch (error) {
      delay = Math.max(RETRY_BASE_MS, retryDelayMs(failures++, { baseMs: RETRY_BASE_MS, maxMs: Math.min(RETRY_MAX_MS, delay), random: Math.random }));
      self.postMessage({ ok: false, at: Date.now(), error: error instanceof Error ? error.message : String(error) } satisfies SyncStatusMessage);
    }
    timer = setTimeout(run, delay);
  };
  void run();
  self.addEventListener('close', () => {
    clearTimeout(timer);
    db.close();
  });
};
