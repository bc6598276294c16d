import { readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chainHistories } from '../central/chain-histories.ts';
import { openCentralStorage } from '../central/central-db.ts';
import { publishModelVersion, VersionTakenError } from '../central/model-versions.ts';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';
import { CUSTOMER_MODELS_FILE } from '../scoring/customer-training.ts';
import { runTrain } from './models.command.ts';

/** Suffix of the versions central publishes: after a store's own set of the same minute, so central's wins a tie. */
export const CENTRAL_VERSION_SUFFIX = '-hq';

/**
 * `CENTRAL=1 cli train --from-db`: the store's training pipeline on the whole chain's histories (one per global
 * customer, from central's database), into a staging directory under central's DATA_DIR; then published as a
 * model version (files into the database, a 'model' item in every active store's outbox). Prints the version.
 * The staging directory is removed once published: the database holds the set from then on.
 */
export async function runCentralTrain(args: string[], config: Config, log: (line: string) => void = (line) => console.error(line)): Promise<string> {
  const storage = await openCentralStorage({ dataDir: config.DATA_DIR, databaseUrl: config.DATABASE_URL ?? null });
  const staging = join(config.DATA_DIR, 'models-staging');
  let out: string | null = null;
  try {
    const now = Date.now();
    const trained = await runTrain(args, log, { histories: (asOf) => chainHistories(storage.db, asOf), modelsDir: staging, now });
    out = trained.out;
    const files = readdirSync(out)
      .filter((name) => statSync(join(out!, name)).isFile())
      .sort()
      .map((name) => ({ name, content: readFileSync(join(out!, name)) }));
    const manifest: unknown = JSON.parse(readFileSync(join(out, CUSTOMER_MODELS_FILE), 'utf8'));
    const version = `${basename(out)}${CENTRAL_VERSION_SUFFIX}`;
    try {
      await publishModelVersion(storage.db, { version, files, card: { trained_at: now, customer_models: manifest, ranker: trained.ranker.status } }, now);
    } catch (error) {
      if (error instanceof VersionTakenError) throw new InputError('invalid', `${error.message}; train again in a minute`);
      throw error;
    }
    log(`published model version ${version} (${files.length} files) to every registered store`);
    process.stdout.write(`${version}\n`);
    return version;
  } finally {
    if (out?.startsWith(staging)) rmSync(out, { recursive: true, force: true });
    await storage.close();
  }
}
