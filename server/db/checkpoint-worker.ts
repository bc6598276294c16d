import { Database } from 'bun:sqlite';

/*
 * Runs in a Worker with its own connection: PASSIVE checkpoints of the WAL into the database file off
 * the event loop that answers POS terminals. A passive checkpoint never blocks the writer; the main
 * connection keeps a high wal_autocheckpoint only as a backstop in case this worker falls behind.
 */
declare const self: Worker;

const INTERVAL_MS = 250;

self.onmessage = (event: MessageEvent<{ file: string }>) => {
  const db = new Database(event.data.file);
  db.exec('PRAGMA busy_timeout = 1000');
  const timer = setInterval(() => {
    try {
      db.query('PRAGMA wal_checkpoint(PASSIVE)').get();
    } catch {
      // Busy or locked: the next tick tries again; the backstop autocheckpoint bounds the WAL meanwhile.
    }
  }, INTERVAL_MS);
  self.addEventListener('close', () => {
    clearInterval(timer);
    db.close();
  });
};
