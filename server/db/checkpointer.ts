import type { Database } from 'bun:sqlite';
import { type Clock, systemClock } from '../kernel/clock.ts';
import type { Logger } from '../kernel/log.ts';

/** If the worker has not checkpointed for this long, the main connection does it itself (a stall, but a bounded WAL). */
const WORKER_SILENT_MS = 60_000;

/**
 * The server's WAL checkpoints, moved to a worker thread (see checkpoint-worker.ts). The writing connection
 * does not checkpoint on its own (wal_autocheckpoint=0): after a big write (the nightly sweep rewrites a row
 * per customer) its automatic checkpoint would copy hundreds of MB inside some POS request's COMMIT and hold
 * the event loop for seconds. Should the worker go silent, the main thread checkpoints as a fallback.
 */
export function startCheckpointer(sqlite: Database, file: string, log: Logger, clock: Clock = systemClock): { stop(): void } {
  sqlite.exec('PRAGMA wal_autocheckpoint = 0');
  let lastHeard = clock();
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url).href);
  worker.onmessage = () => {
    lastHeard = clock();
  };
  worker.postMessage({ file });
  const watchdog = setInterval(() => {
    if (clock() - lastHeard < WORKER_SILENT_MS) return;
    log.warn('checkpoint.worker_silent', { silent_ms: clock() - lastHeard, fallback: 'main_thread' });
    sqlite.query('PRAGMA wal_checkpoint(PASSIVE)').get();
    lastHeard = clock();
  }, WORKER_SILENT_MS / 2);
  return {
    stop: () => {
      clearInterval(watchdog);
      void worker.terminate();
    },
  };
}
