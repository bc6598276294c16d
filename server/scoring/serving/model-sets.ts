import { existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { InputError } from '../../kernel/errors.ts';
import { candidateModelDirs, ROLLED_BACK_SUFFIX, versionOf } from './model-registry.ts';

/*
 * The model sets of a store, as `cli models list` shows them and `cli models rollback` changes them. The set
 * served is the first candidate of the registry (model-registry.ts): the newest under DATA_DIR/models, else the
 * shipped one. A running server swaps to what these leave first within MODELS_POLL_SECONDS.
 */

export interface ModelSetEntry {
  name: string;
  version: string;
  dir: string;
  /** The registry's first choice: what the appliance serves (unless it fails to load). */
  serving: boolean;
  shipped: boolean;
}

export function listModelSets(dataModelsDir: string, shippedDir: string): ModelSetEntry[] {
  return candidateModelDirs(dataModelsDir, shippedDir).map((dir, i) => ({
    name: basename(dir),
    version: versionOf(dir),
    dir,
    serving: i === 0,
    shipped: resolve(dir) === resolve(shippedDir),
  }));
}

/**
 * Takes the served set out of service (renamed `<name>.rolled-back`, so a later pull of the same version does
 * not install it again) and answers the set served from now on. The shipped set is never taken out: with
 * nothing under DATA_DIR/models before it there is nothing to roll back to.
 */
export function rollbackModelSet(dataModelsDir: string, shippedDir: string): { rolledBack: ModelSetEntry; serving: ModelSetEntry } {
  const [current, previous] = listModelSets(dataModelsDir, shippedDir);
  if (!current || current.shipped || resolve(dirname(current.dir)) !== resolve(dataModelsDir)) {
    throw new InputError('not_found', `no model set to roll back: ${current ? `the shipped set ${current.name} serves` : 'none serves'}`);
  }
  if (!previous) throw new InputError('not_found', `no previous model set to roll back to: ${current.name} is the only one`);
  const aside = `${current.dir}${ROLLED_BACK_SUFFIX}`;
  // Rolled back before, reinstalled by hand since: the older copy set aside gives way to this one.
  if (existsSync(aside)) rmSync(aside, { recursive: true, force: true });
  renameSync(current.dir, aside);
  return { rolledBack: current, serving: previous };
}
