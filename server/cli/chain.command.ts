import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pullUntilCaughtUp } from '../../sync/store/pull-loop.ts';
import { pushUntilCaughtUp } from '../../sync/store/push-loop.ts';
import { openCentralStorage } from '../central/central-db.ts';
import { listStores, registerStore, revokeStore } from '../central/store-registry.ts';
import { lastSeq } from '../db/change-log.ts';
import { dbPath, openDb } from '../db/open.ts';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';
import { applyPulled, createStorePullPort, pullContextOf } from '../orchestration/sync-pull.ts';
import { createStorePushPort } from '../orchestration/sync-push-port.ts';

/*
 * The chain's commands: `store …` on central (its DATA_DIR or DATABASE_URL), `sync --once` on a store.
 */

/** `store register --id S002 --name "…"` (prints the credential alone on stdout) | `store list` | `store revoke <id>`. */
export async function runStoreCommand(args: string[], config: Config): Promise<void> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { id: { type: 'string' }, name: { type: 'string' } } });
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  try {
    const now = Date.now();
    if (positionals[0] === 'register') {
      if (!values.id) throw new InputError('invalid', 'usage: store register --id <store id> [--name N]');
      let credential: string;
      try {
        credential = await registerStore(storage.db, { id: values.id, name: values.name ?? values.id }, now);
      } catch (error) {
        if (error instanceof RangeError) throw new InputError('invalid', error.message);
        throw error;
      }
      process.stdout.write(`${credential}\n`);
    } else if (positionals[0] === 'list') {
      for (const s of await listStores(storage.db)) {
        const lagS = s.lastPushAt === null ? null : Math.round((now - s.lastPushAt) / 1000);
        process.stdout.write(`${JSON.stringify({ id: s.id, name: s.name, revoked: s.revokedAt !== null, cursor: s.cursor, last_push_s_ago: lagS, clock_skew_ms: s.clockSkewMs })}\n`);
      }
    } else if (positionals[0] === 'revoke' && positionals[1]) {
      if (!(await revokeStore(storage.db, positionals[1], now))) throw new InputError('not_found', `no active store ${positionals[1]}`);
      console.error(`store ${positionals[1]} revoked: its next push is refused`);
    } else {
      throw new InputError('invalid', 'usage: store register --id <id> [--name N] | store list | store revoke <id>');
    }
  } finally {
    await storage.close();
  }
}

const SYNC_ONCE_ROUNDS = 3;

/**
 * `sync --once`: pushes until central has every change of the store, then pulls until the store has everything
 * central has for it; exit 0 only when both are done, else the reason. Safe beside a running server (SQLite
 * serializes the writes of the pull with the server's).
 */
export async function runSyncOnce(config: Config): Promise<void> {
  const file = dbPath(config.DATA_DIR);
  if (!existsSync(file)) throw new InputError('not_found', `no store database at ${file}`);
  const db = openDb(file);
  try {
    // What a pull applies can be a fact of this store's (a profile field taken from another store's write): push
    // again while the pull wrote anything. Central never answers those facts with more items, so a second round is
    // the last; the bound keeps a store whose terminals sell during the pull from going round for ever.
    for (let round = 1; ; round++) {
      const run = await pushUntilCaughtUp(createStorePushPort(db, config, Date.now));
      if (run.moved) {
        const { centralCursor, storeSeq, moved } = run.moved;
        console.error(
          `warning: restore detected: central holds changes up to ${centralCursor}, this store's log ended at ${storeSeq}; ` +
            `its ${moved} newer changes now follow ${centralCursor} (central keeps ${storeSeq + 1}–${centralCursor}, what the restore threw away here)`,
        );
      }
      if (run.clockSkewMs !== null) console.error(`warning: this store's clock is ${Math.round(run.clockSkewMs / 1000)} s off central's; its changes are flagged there`);
      console.error(`sync push: central has every change up to ${run.cursor} (${run.applied} sent in ${run.batches} pushes)`);
      const before = lastSeq(db);
      const pulled = await pullUntilCaughtUp(createStorePullPort(db, config, async (answer) => applyPulled(db, answer, Date.now(), pullContextOf(config))));
      console.error(`sync pull: up to ${pulled.cursor} in central's outbox (${pulled.applied} applied)`);
      if (lastSeq(db) === before || round === SYNC_ONCE_ROUNDS) return;
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'SyncError') throw new InputError('failed', error.message);
    throw error;
  } finally {
    db.close();
  }
}
