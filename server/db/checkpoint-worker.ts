import { Database } from 'bun:sqlite';

/*
 * Runs in a Worker with its own connection: PASSIVE checkpoints of the WAL into the database file off
 * the event loop that answers POS terminals. A passive checkpoint never blocks the writer. This
 * connection keeps SQLite's default synchronous=FULL, so it syncs the WAL before copying frames and the
 * database file before the WAL may be reused. After each tick it tells the main thread it is alive.
 */
declare const self: Worker;

const INTERVAL_MS = 250;

self.onmessage = (event: MessageEvent<{ file: string }>) => {
  const db = new Database(event.data.file);
  db.exec('PRAGMA busy_timeout = 1000');
  const timer = setInterval(() => {
    try {
      db.query('PRAGMA wal_checkpoint(PASSIVE)').get();
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
