import type { BackupResult } from './backup-file.ts';

/** writeBackup (backup-file.ts) on a Worker thread of its own, ended once it has answered. */
export function backupInWorker(source: string, out: string, workDir: string): Promise<BackupResult> {
  const worker = new Worker(new URL('./backup-worker.ts', import.meta.url).href);
  return new Promise<BackupResult>((resolve, reject) => {
    worker.onmessage = (event: MessageEvent<{ ok: true; result: BackupResult } | { ok: false; error: string }>) => {
      if (event.data.ok) resolve(event.data.result);
      else reject(new Error(event.data.error));
    };
    worker.onerror = (event) => reject(new Error(event.message));
    worker.postMessage({ source, out, workDir });
  }).finally(() => void worker.terminate());
}
