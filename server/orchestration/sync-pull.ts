import type { Database } from 'bun:sqlite';
import { join } from 'node:path';
import { SYNC_PATHS } from '../../sync/paths.ts';
import { type PullAnswer, pullAnswerSchema } from '../../sync/protocol.ts';
import type { StorePullPort } from '../../sync/store/pull-loop.ts';
import { applyInSteps } from '../../sync/store/pull-steps.ts';
import { forgetActionDetails } from '../actions/actions.service.ts';
import { getMetric, setMetric } from '../db/store-metrics.ts';
import { canonicalCustomerId } from '../identity/identity.service.ts';
import { eraseCustomer } from '../identity/customer-write.service.ts';
import type { Config } from '../kernel/config.ts';
import { applyChainProfile } from '../identity/profile-sync.ts';
import { evaluateCustomerLifecycle } from '../lifecycle/lifecycle.service.ts';
import { type LifecycleRules, lifecycleRulesFrom } from '../lifecycle/lifecycle-rules.ts';
import { forgetChainFigures, storeChainFigures } from '../stats/chain-stats.ts';
import { centralDownload, centralRequest, refused } from './sync-central-client.ts';
import { receiveChainSettings } from './sync-chain-settings.ts';
import { installModelVersion } from './sync-models.ts';

/** store_metrics key of the store's cursor in central's outbox, kept in the transaction that applies the items. */
export const PULL_CURSOR_METRIC = 'sync.pull_cursor';

/** What applying a pull needs of the store: its id (its clock's node), lifecycle rules, the clock skew bound, where chain settings go. */
export interface PullContext {
  storeId: string;
  lifecycle: LifecycleRules;
  maxDriftMs: number;
  dataDir: string;
}

export function pullContextOf(config: Config): PullContext {
  return { storeId: config.STORE_ID, lifecycle: lifecycleRulesFrom(config), maxDriftMs: config.SYNC_MAX_CLOCK_SKEW_S * 1000, dataDir: config.DATA_DIR };
}

/**
 * Applies what central sent, with the new cursor, in one SQLite transaction (the caller runs it through the
 * write queue): chain-wide figures of customers also known elsewhere (their lifecycle stage is evaluated again
 * with them), profile fields another store wrote later than this one, erasures made at another store or at
 * headquarters, and the chain's settings (to DATA_DIR/chain-config.json, taken at the next start). Items about
 * a customer this store erased, or never had, change nothing.
 */
export function applyPulled(sqlite: Database, answer: PullAnswer, now: number, ctx: PullContext): void {
  // IMMEDIATE: `sync --once` applies on a connection of its own beside the server's. A deferred transaction that
  // reads, then writes after the server committed meanwhile, fails with SQLITE_BUSY at once (WAL snapshot) instead
  // of waiting out busy_timeout; taking the write lock first makes it wait its turn.
  sqlite.transaction(() => {
    for (const item of answer.items) {
      // A model set is installed before its item is applied (sync-models.ts): here only the cursor passes it.
      if (item.kind === 'model') continue;
      if (item.kind === 'config') {
        receiveChainSettings(ctx.dataDir, item.payload, now);
        continue;
      }
      const id = canonicalCustomerId(sqlite, item.payload.customer_id);
      if (!id) continue;
      const erased = sqlite.query<{ erased_at: number | null }, [string]>('SELECT erased_at FROM customers WHERE id = ?').get(id)?.erased_at != null;
      if (erased) continue;
      if (item.kind === 'erasure') {
        eraseCustomer(sqlite, id, now, null);
        forgetActionDetails(sqlite, id);
        forgetChainFigures(sqlite, id);
      } else if (item.kind === 'profile') {
        applyChainProfile(sqlite, id, { globalId: item.payload.global_id, fields: item.payload.fields }, { storeId: ctx.storeId, now, maxDriftMs: ctx.maxDriftMs });
      } else {
        const p = item.payload;
        storeChainFigures(sqlite, id, { globalId: p.global_id, visits: p.visits, spend: p.spend, stores: p.stores, lastPurchaseAt: p.last_purchase_at }, now);
        evaluateCustomerLifecycle(sqlite, ctx.lifecycle, id, now);
      }
    }
    setMetric(sqlite, PULL_CURSOR_METRIC, answer.cursor, now);
  }).immediate();
}

/**
 * The store's end of the pull; `apply` is where the caller writes (the server: its write queue). Model sets are
 * downloaded and installed under DATA_DIR/models between local transactions, never inside one.
 */
export function createStorePullPort(sqlite: Database, config: Config, apply: (answer: PullAnswer) => Promise<void>): StorePullPort {
  const modelsDir = join(config.DATA_DIR, 'models');
  const download = (version: string, file: string) => centralDownload(config, `${SYNC_PATHS.models}/${encodeURIComponent(version)}/${encodeURIComponent(file)}`);
  return {
    loadCursor: () => getMetric<number>(sqlite, PULL_CURSOR_METRIC) ?? 0,
    async fetchAfter(after) {
      const answer = await centralRequest(config, `${SYNC_PATHS.pull}?after=${after}&limit=${config.SYNC_BATCH_SIZE}`, { method: 'GET' });
      if (answer.status !== 200) throw refused('pull', answer);
      return pullAnswerSchema.parse(answer.body);
    },
    apply: (answer) => applyInSteps(answer, apply, (model) => installModelVersion(modelsDir, model, download)),
  };
}
