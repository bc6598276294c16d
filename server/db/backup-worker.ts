import { writeBackup } from './backup-file.ts';

/*
 * Runs one backup in a Worker with its own connection, so the snapshot and its compression (seconds on a big
 * store) never hold the event loop that answers POS terminals. Replies once: the result or the error's message.
 */
declare const self: Worker;

self.onmessage = (event: MessageEvent<{ source: string; out: string; workDir: string }>) => {
  const { source, out, workDir } = event.data;
  writeBackup(source, out, workDir).then(
    (result) => self.postMessage({ ok: true, result }),
    (error: unknown) => self.postMessage({ ok: false, error: error instanceof Error ? error.message : String(error) }),
  );
};
