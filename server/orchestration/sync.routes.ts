import { Hono } from 'hono';
import type { Authenticator } from '../auth/authenticator.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import type { SyncStatus } from '../contract/sync.ts';
import { lastRestoredGap, lastSeq } from '../db/change-log.ts';
import { getMetric } from '../db/store-metrics.ts';
import type { StoreDeps } from '../db/store-deps.ts';
import type { SyncBoard } from './sync-board.ts';
import type { Config } from '../kernel/config.ts';
import { receivedChainSettingsVersion } from './sync-chain-settings.ts';
import { PULL_CURSOR_METRIC } from './sync-pull.ts';
import { readPushCursor } from './sync-push-port.ts';
import { urlWithoutCredentials } from '../kernel/url-without-credentials.ts';

const iso = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

/** GET /sync/status (manager): both directions' cursors, the lag, the last errors and the clock check. */
/** Changes central has not acknowledged, and seconds since the last successful push (0 when caught up). */
export function pushLag(deps: StoreDeps & { sync: SyncBoard }): { changes: number; seconds: number } {
  const waiting = Math.max(0, lastSeq(deps.sqlite) - readPushCursor(deps.config.DATA_DIR));
  const since = deps.sync.last('push').success?.at ?? null;
  return { changes: waiting, seconds: waiting === 0 || since === null ? 0 : Math.max(0, Math.round((deps.clock() - since) / 1000)) };
}

function chainSettingsStatus(config: Config): SyncStatus['chain_settings'] {
  const taken = config.chainSettings;
  const received = receivedChainSettingsVersion(config.DATA_DIR);
  return {
    version: taken.version,
    received_version: received,
    pending: received > taken.version,
    applied: taken.applied,
    local_overrides: taken.localOverrides,
    ignored: taken.ignored,
  };
}

export function syncRoutes(deps: StoreDeps & { auth: Authenticator; sync: SyncBoard }) {
  const app = new Hono<AuthEnv>();
  app.get('/sync/status', requireRole(deps.auth, ACCESS.store), (c) => {
    const { config } = deps;
    const push = deps.sync.last('push');
    const pull = deps.sync.last('pull');
    const cursor = readPushCursor(config.DATA_DIR);
    const seq = lastSeq(deps.sqlite);
    const lag = pushLag(deps);
    const since = push.success?.at ?? null;
    const gap = lastRestoredGap(deps.sqlite);
    return c.json({
      enabled: Boolean(config.CENTRAL_URL && config.SYNC_TOKEN),
      central_url: config.CENTRAL_URL ? urlWithoutCredentials(config.CENTRAL_URL) : null,
      push: {
        cursor,
        last_seq: seq,
        lag_changes: lag.changes,
        lag_seconds: lag.seconds,
        last_success_at: iso(since),
        last_error: push.run?.ok === false ? push.run.error : null,
        last_error_at: iso(push.failure?.at),
        clock_skew_ms: push.success?.clockSkewMs ?? null,
        restored_gap: gap && { central_cursor: gap.central_cursor, store_last_seq: gap.store_last_seq, moved_changes: gap.moved, at: iso(gap.at)! },
      },
      pull: {
        cursor: getMetric<number>(deps.sqlite, PULL_CURSOR_METRIC) ?? 0,
        last_success_at: iso(pull.success?.at),
        last_error: pull.run?.ok === false ? pull.run.error : null,
        last_error_at: iso(pull.failure?.at),
      },
      chain_settings: chainSettingsStatus(config),
    } satisfies SyncStatus);
  });
  return app;
}
