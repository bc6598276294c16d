import type { Database } from 'bun:sqlite';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { errorSchema } from '../contract/errors.ts';
import { encodeHlc, type Hlc, tick, zeroHlc } from '../../sync/hlc.ts';
import { SYNC_PATHS } from '../../sync/paths.ts';
import { pushAckSchema } from '../../sync/protocol.ts';
import type { StorePushPort } from '../../sync/store/push-loop.ts';
import type { Config } from '../kernel/config.ts';
import { outboundBatch } from './sync-outbox.ts';

/** How long one push may take before the store gives up on it (and retries later). */
const PUSH_TIMEOUT_MS = 60_000;

/** Why a push failed, in a line a store manager can act on. */
export class SyncError extends Error {
  override name = 'SyncError';
}

/**
 * The store's end of the push: batches read from `sqlite` (a connection of the caller's: the server gives its
 * sync thread its own), sent to CENTRAL_URL gzip-compressed with the store's credential. The acknowledged
 * cursor is kept in DATA_DIR/sync-push-cursor (written whole, then renamed into place); central holds the
 * authoritative one and corrects a lost or stale file with a gap answer.
 */
export function createStorePushPort(sqlite: Database, config: Config, now: () => number): StorePushPort {
  const { CENTRAL_URL: central, SYNC_TOKEN: token } = config;
  if (!central || !token) throw new SyncError('sync is not configured: set CENTRAL_URL, SYNC_TOKEN and CHAIN_SECRET');
  const cursorFile = join(config.DATA_DIR, 'sync-push-cursor');
  const policy = { chainSecret: config.CHAIN_SECRET ?? '', piiTransfer: config.SYNC_PII_TRANSFER };
  let clock: Hlc = zeroHlc(config.STORE_ID);
  return {
    loadCursor: () => (existsSync(cursorFile) ? Number(readFileSync(cursorFile, 'utf8')) || 0 : 0),
    saveCursor(cursor) {
      writeFileSync(`${cursorFile}.tmp`, String(cursor));
      renameSync(`${cursorFile}.tmp`, cursorFile);
    },
    batchAfter(after) {
      clock = tick(clock, now());
      return outboundBatch(sqlite, { storeId: config.STORE_ID, after, limit: config.SYNC_BATCH_SIZE, policy, hlc: encodeHlc(clock), now: now() });
    },
    async send(batch) {
      let res: Response;
      try {
        res = await fetch(new URL(SYNC_PATHS.push, central), {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-encoding': 'gzip' },
          body: gzipSync(JSON.stringify(batch)),
          signal: AbortSignal.timeout(PUSH_TIMEOUT_MS),
        });
      } catch (error) {
        throw new SyncError(`central at ${central} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
      }
      const body: unknown = await res.json().catch(() => null);
      if (res.ok) return { ack: pushAckSchema.parse(body) };
      const failure = errorSchema.safeParse((body as { error?: unknown } | null)?.error);
      if (res.status === 409 && failure.success && failure.data.code === 'sync_gap') return { gap: (failure.data.details as { cursor: number }).cursor };
      throw new SyncError(`central refused the push (${res.status}${failure.success ? ` ${failure.data.code}: ${failure.data.message}` : ''})`);
    },
  };
}
