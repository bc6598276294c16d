import { open } from 'node:fs/promises';

/*
 * Durability of the write queue's commits without blocking the event loop on fsync. The appliance's
 * connection runs WAL with synchronous=NORMAL: COMMIT writes its frames to the WAL file (write(2), in the
 * page cache) but does not fsync; checkpoints still fsync the WAL before copying and the database after,
 * so the file stays consistent. Before any caller is answered, `durable()` fdatasyncs the WAL file in the
 * thread pool: frames written before that fsync began are then on disk. Commits that land while an fsync
 * is running wait for the next one, which covers all of them (group fsync).
 */

export interface WalSync {
  /** Resolves once everything committed before the call is on disk; rejects if the fsync failed. */
  durable(): Promise<void>;
}

export function createWalSync(walFile: string): WalSync {
  let running: Promise<void> | null = null;
  let waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  const fsyncOnce = async () => {
    // Opened per sync: SQLite may delete and recreate the WAL file (last connection closing), and an
    // fsync through a stale descriptor would sync the wrong inode.
    const handle = await open(walFile, 'r');
    try {
      await handle.datasync();
    } finally {
      await handle.close();
    }
  };

  const start = () => {
    const batch = waiting;
    waiting = [];
    running = fsyncOnce().then(
      () => batch.forEach((w) => w.resolve()),
      (error: unknown) => batch.forEach((w) => w.reject(error)),
    );
    void running.finally(() => {
      running = null;
      if (waiting.length > 0) start();
    });
  };

  return {
    durable: () =>
      new Promise<void>((resolve, reject) => {
        waiting.push({ resolve, reject });
        if (!running) start();
      }),
  };
}
