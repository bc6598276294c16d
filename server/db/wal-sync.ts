import { closeSync, fdatasync, fstatSync, openSync, statSync } from 'node:fs';

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
  /** Closes the kept descriptor (after the database connection is closed). */
  close(): void;
}

export function createWalSync(walFile: string): WalSync {
  let running: Promise<void> | null = null;
  let waiting: Array<{ resolve: () => void; reject: (e: unknown) => void }> = [];

  let fd: number | null = null;
  /**
   * The WAL's descriptor, kept open: each trip through the thread pool costs latency when it is busy (ONNX
   * runs share it), so a sync is one trip, not three. SQLite deletes and recreates the WAL file when the
   * last connection closes; an fsync through a stale descriptor would sync the wrong inode, so the inode is
   * checked first (two stat calls, microseconds) and the file reopened if it changed.
   */
  const walFd = (): number => {
    if (fd !== null && fstatSync(fd).ino === statSync(walFile).ino) return fd;
    if (fd !== null) closeSync(fd);
    // Forgotten before reopening: if the open fails, a closed number (maybe reused for another file) must not stay.
    fd = null;
    fd = openSync(walFile, 'r');
    return fd;
  };

  const fsyncOnce = () =>
    new Promise<void>((resolve, reject) => {
      try {
        fdatasync(walFd(), (error) => (error ? reject(error) : resolve()));
      } catch (error) {
        reject(error);
      }
    });

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
    close() {
      if (fd !== null) closeSync(fd);
      fd = null;
    },
  };
}
