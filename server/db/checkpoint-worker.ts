import { Database } from 'bun:sqlite';
import { statSync } from 'node:fs';
import { setMetric } from '../stats/store-metrics.ts';

/*
 * Runs in a Worker with its own connection: PASSIVE checkpoints of the WAL into the database file off
 * the event loop that answers POS terminals. A passive checkpoint never blocks the writer. This
 * connection keeps SQLite's default synchronous=FULL, so it syncs the WAL before copying frames and the
 * database file before the WAL may be reused. After each tick it tells the main thread it is alive.
 *
 * After a burst has left the WAL file larger than its limit (see WAL_SIZE_LIMIT_BYTES), SQLite truncates it
 * in the commit of whichever write comes first once the WAL restarts: ~170 ms per GB given back. So that
 * this is not a sale's commit on the event loop the next morning, this worker makes that first write itself
 * as soon as everything is checkpointed: one metric row, in its own short transaction.
 */
declare const self: Worker;

export interface CheckpointWorkerOptions {
  file: string;
  walSizeLimitBytes: number;
}

const INTERVAL_MS = 250;
const RESTARTED_METRIC = 'wal_restarted';

self.onmessage = (event: MessageEvent<CheckpointWorkerOptions>) => {
  const { file, walSizeLimitBytes } = event.data;
  const db = new Database(file);
  db.exec('PRAGMA busy_timeout = 1000');
  db.exec(`PRAGMA journal_size_limit = ${walSizeLimitBytes}`);
  const walBytes = () => {
    try {
      return statSync(`${file}-wal`).size;
    } catch {
      return 0;
    }
  };
  const timer = setInterval(() => {
    try {
      const r = db.query<{ busy: number; log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(PASSIVE)').get()!;
      if (r.busy === 0 && r.log > 0 && r.checkpointed === r.log && walBytes() > walSizeLimitBytes) {
        // If the main thread wrote in between, this write only appends to the WAL; the next tick tries again.
        db.transaction(() => setMetric(db, RESTARTED_METRIC, true, Date.now())).immediate();
      }
      self.postMessage('checkpointed');
    } catch {
      // Busy or locked: the next tick tries again.
    }
  }, INTERVAL_MS);
  self.addEventListener('close', () => {
    clearInterval(timer);
    db.close();
  });
};
