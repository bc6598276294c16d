import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isProcessRunning } from '../kernel/process-running.ts';

/*
 * DATA_DIR/server.pid names the process serving this DATA_DIR while it runs, so that commands which must not
 * run beside it (restore) can refuse. A server killed without its shutdown leaves the file behind; its pid
 * then names no process, and the file counts as absent.
 */

export function serverPidPath(dataDir: string): string {
  return join(dataDir, 'server.pid');
}

export function writeServerPid(dataDir: string, pid: number = process.pid): void {
  writeFileSync(serverPidPath(dataDir), `${pid}\n`, { mode: 0o644 });
}

/** Removes the file if it still names this process (another server may have taken the directory since). */
export function removeServerPid(dataDir: string, pid: number = process.pid): void {
  const file = serverPidPath(dataDir);
  if (existsSync(file) && readFileSync(file, 'utf8').trim() === String(pid)) rmSync(file, { force: true });
}

/** The pid of a live process named by the file, else null. */
export function runningServerPid(dataDir: string): number | null {
  const file = serverPidPath(dataDir);
  if (!existsSync(file)) return null;
  const pid = Number(readFileSync(file, 'utf8').trim());
  if (!Number.isInteger(pid) || pid <= 0) return null;
  return isProcessRunning(pid) ? pid : null;
}
