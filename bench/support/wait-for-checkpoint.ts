import { Database } from 'bun:sqlite';

/** Waits (at most 5 minutes) until every frame in the WAL has been copied into the database file. */
export async function waitForCheckpoint(file: string): Promise<void> {
  const db = new Database(file);
  try {
    const deadline = Date.now() + 5 * 60_000;
    for (;;) {
      const r = db.query<{ log: number; checkpointed: number }, []>('PRAGMA wal_checkpoint(PASSIVE)').get()!;
      if (r.log === r.checkpointed || Date.now() > deadline) return;
      await Bun.sleep(500);
    }
  } finally {
    db.close();
  }
}
