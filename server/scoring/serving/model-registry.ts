import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { sha256 } from '../../kernel/hash.ts';
import { loadCustomerScorer, type CustomerScorer } from '../customer-scorer.ts';
import { CUSTOMER_MODELS_FILE } from '../customer-training.ts';
import { RANKER_CARD } from '../recommend/ranker-card.ts';
import { createRecommender, type Recommender } from '../recommend/recommender.ts';
import { errorFields, type Logger } from '../../kernel/log.ts';

/*
 * The models the appliance serves, swapped without a restart. Candidates, best first: the newest
 * directory under DATA_DIR/models (names sort by time, e.g. 2026-11-23T0930Z from `cli train --from-db`, or
 * 2026-11-23T0945Z-hq pulled from central, which sorts after the store's own set of the same minute), then the
 * shipped models/default. `reload()` loads the best candidate that loads and
 * only then swaps it in; a set that is being used (an ONNX run in flight) is closed when its last user
 * is done, so a swap never fails a request.
 */

export interface ModelSet {
  /** `<directory name>@<12 hex of the manifests' hash>`: what scores record as their model version. */
  version: string;
  dir: string;
  horizonDays: number;
  scorer: CustomerScorer;
  recommender: Recommender | null;
}

interface Held {
  set: ModelSet;
  users: number;
  retired: boolean;
}

export interface ModelRegistry {
  /** Runs `fn` with the current set (null when there is none); the set stays open until `fn` settles. */
  use<T>(fn: (set: ModelSet | null) => Promise<T> | T): Promise<T>;
  /** Loads the best candidate if it differs from the current one; returns the version now served. */
  reload(): Promise<string | null>;
  current(): ModelSet | null;
  close(): Promise<void>;
}

/** Model sets under DATA_DIR/models are named by the time they were made, so the newest sorts last. */
export function modelSetName(at: number): string {
  return `${new Date(at).toISOString().slice(0, 16).replace(':', '')}Z`; // 2026-11-23T0930Z
}

/** A set still being written (renamed to its final name when complete); never served. */
export const PARTIAL_SUFFIX = '.tmp';

/**
 * A set taken out of service by `cli models rollback`: kept on disk, never served, and never installed again
 * by a later pull of the same version from central.
 */
export const ROLLED_BACK_SUFFIX = '.rolled-back';

export function candidateModelDirs(dataModelsDir: string, shippedDir: string): string[] {
  const own = existsSync(dataModelsDir)
    ? readdirSync(dataModelsDir)
        .filter((name) => !name.endsWith(PARTIAL_SUFFIX) && !name.endsWith(ROLLED_BACK_SUFFIX))
        .map((name) => join(dataModelsDir, name))
        .filter((dir) => statSync(dir).isDirectory())
        .sort()
        .reverse()
    : [];
  return [...own, shippedDir].filter((dir) => existsSync(join(dir, CUSTOMER_MODELS_FILE)));
}

export function versionOf(dir: string): string {
  // `<directory name>@<12 hex>`. Cards and weights: new trees dropped in under the same card are a new version too.
  const files = readdirSync(dir).filter((f) => f.endsWith('.json') || f.endsWith('.onnx')).sort();
  return `${basename(dir)}@${sha256(files.flatMap((file) => [file, readFileSync(join(dir, file))])).slice(0, 12)}`;
}

async function loadModelSet(dir: string): Promise<ModelSet> {
  const scorer = await loadCustomerScorer(dir);
  try {
    const recommender = await createRecommender(dir);
    return { version: versionOf(dir), dir, horizonDays: scorer.manifest.horizon_days, scorer, recommender };
  } catch (error) {
    await scorer.close();
    throw error;
  }
}

async function closeSet(set: ModelSet): Promise<void> {
  await Promise.all([set.scorer.close(), set.recommender?.close()]);
}

export function createModelRegistry(opts: { candidates: () => string[]; log: Logger }): ModelRegistry {
  let held: Held | null = null;
  let reloading: Promise<string | null> | null = null;

  /** Closes a retired set once nobody is running it. */
  const closeIfIdle = (h: Held) => {
    if (h.retired && h.users === 0) closeSet(h.set).catch((error: unknown) => opts.log.warn('models.close_failed', { version: h.set.version, ...errorFields(error) }));
  };
  const release = (h: Held) => {
    h.users -= 1;
    closeIfIdle(h);
  };

  async function reloadNow(): Promise<string | null> {
    for (const dir of opts.candidates()) {
      const version = versionOf(dir);
      if (held?.set.version === version) return version;
      let set: ModelSet;
      try {
        set = await loadModelSet(dir);
      } catch (error) {
        opts.log.warn('models.unservable', { dir, ...errorFields(error) });
        continue;
      }
      const old = held;
      held = { set, users: 0, retired: false };
      opts.log.info('models.serving', { version: set.version, previous: old?.set.version ?? null });
      if (old) {
        old.retired = true;
        closeIfIdle(old);
      }
      return version;
    }
    return held?.set.version ?? null;
  }

  return {
    async use(fn) {
      const h = held;
      if (!h) return fn(null);
      h.users += 1;
      try {
        return await fn(h.set);
      } finally {
        release(h);
      }
    },
    reload() {
      // One reload at a time; concurrent callers share it.
      reloading ??= reloadNow().finally(() => {
        reloading = null;
      });
      return reloading;
    },
    current: () => held?.set ?? null,
    async close() {
      if (held) {
        held.retired = true;
        if (held.users === 0) await closeSet(held.set);
        held = null;
      }
    },
  };
}
