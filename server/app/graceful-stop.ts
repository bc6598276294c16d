import type { AppDeps } from '../orchestration/app-deps.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

/** systemd's TimeoutStopSec is 15 s (deploy/); the appliance gives up on its own well before SIGKILL. */
export const HARD_STOP_MS = 9_000;
/** Requests still open this long after the stop began are cut (a stuck client; an event stream the hub missed). */
const REQUESTS_GRACE_MS = 6_000;

export interface GracefulStopParts {
  servers: ReadonlyArray<{ stop(closeActiveConnections?: boolean): Promise<void> }>;
  /** Timers and threads that start work of their own (sweeps, checkpoints, scoring, sync): stopped first. */
  background: ReadonlyArray<{ stop(): void }>;
  deps: Pick<AppDeps, 'presence' | 'rescore' | 'audit' | 'writes' | 'models' | 'sqlite' | 'walSync'>;
  /** Runs once the database is closed (e.g. removing DATA_DIR/server.pid). */
  afterClose?: () => void;
  log: Logger;
  exit: (code: number) => void;
  hardStopMs?: number;
  requestsGraceMs?: number;
}

/**
 * SIGTERM/SIGINT: stop accepting, answer every request in flight, drain the write queue (callers are waiting
 * for their commit), stop the threads, checkpoint, close the database, exit 0. Past `hardStopMs` it exits 1
 * with a log line instead, whatever is still pending. A second signal while stopping changes nothing.
 */
export function gracefulStop(parts: GracefulStopParts): (signal?: NodeJS.Signals) => Promise<void> {
  const { servers, background, deps, log, exit } = parts;
  const hardStopMs = parts.hardStopMs ?? HARD_STOP_MS;
  const requestsGraceMs = parts.requestsGraceMs ?? REQUESTS_GRACE_MS;
  let stopping: Promise<void> | null = null;

  async function stop(signal: NodeJS.Signals | undefined): Promise<void> {
    const started = performance.now();
    const hard = setTimeout(() => {
      log.error('server.stop_timeout', { after_ms: hardStopMs, exit_code: 1 });
      exit(1);
    }, hardStopMs);
    log.info('server.stopping', { signal });
    try {
      for (const part of background) part.stop();
      // Event streams never end by themselves: closed now; the tablets' EventSource reconnects to the next process.
      deps.presence.close();
      const closed = Promise.all(servers.map((s) => s.stop(false)));
      const cut = setTimeout(() => servers.forEach((s) => void s.stop(true)), requestsGraceMs);
      await closed;
      clearTimeout(cut);
      await deps.rescore.idle();
      // The reads answered in the last audit interval are written before the database closes.
      await deps.audit.flush();
      await deps.writes.drain();
      await deps.models.close();
      try {
        deps.sqlite.query('PRAGMA wal_checkpoint(TRUNCATE)').get();
      } catch (error) {
        // Everything is durable in the WAL already; the next start checkpoints it.
        log.warn('server.stop_checkpoint_failed', { ...errorFields(error), wal: 'kept' });
      }
      deps.sqlite.close();
      deps.walSync.close();
      parts.afterClose?.();
    } catch (error) {
      clearTimeout(hard);
      log.error('server.stop_failed', { ...errorFields(error), exit_code: 1 });
      exit(1);
      return;
    }
    clearTimeout(hard);
    log.info('server.stopped', { duration_ms: Math.round(performance.now() - started) });
    exit(0);
  }

  return (signal) => (stopping ??= stop(signal));
}
