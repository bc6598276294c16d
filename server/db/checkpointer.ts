import type { Database } from 'bun:sqlite';

/** The server's WAL checkpoints, moved to a worker thread (see checkpoint-worker.ts). */
export function startCheckpointer(sqlite: Database, file: string): { stop(): void } {
  // Backstop only: at ~40 MB of WAL the writing connection checkpoints by itself.
  sqlite.exec('PRAGMA wal_autocheckpoint = 10000');
  const worker = new Worker(new URL('./checkpoint-worker.ts', import.meta.url).href);
  worker.postMessage({ file });
  return { stop: () => worker.terminate() };
}
