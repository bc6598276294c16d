import { existsSync, mkdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { InputError } from '../kernel/errors.ts';
import { parseAsOf } from '../scoring/as-of.ts';
import { readHistoriesFromCsv, type CustomerHistory } from '../scoring/history.ts';
import { trainCustomerModels } from '../scoring/customer-training.ts';
import { loadCustomerScorer } from '../scoring/customer-scorer.ts';
import { modelSetName, PARTIAL_SUFFIX } from '../scoring/serving/model-registry.ts';
import { trainRanker } from '../scoring/recommend/train-ranker.ts';
import { createRecommender, itemsOfHistories } from '../scoring/recommend/recommender.ts';

/*
 * cli train / cli predict: the contract evaluations call.
 *   train   --lines <csv[.gz]> --as-of <ISO> --horizon-days <N> --out <dir>
 *   predict --lines <csv[.gz]> --as-of <ISO> --models <dir> --k <K> --out <file.csv>
 * Lines after --as-of are never read. Errors are InputErrors; the CLI prints their message and exits non-zero.
 * predict recommends from the items of the lines it is given (their popularity, co-purchase, repeat rates),
 * not from the data the models were trained on: given the training lines, that is the same item table.
 */

type Log = (message: string) => void;

function requireFile(path: string | undefined, name: string): string {
  if (!path) throw new InputError('invalid', `${name} is required`);
  if (!existsSync(path) || !statSync(path).isFile()) throw new InputError('not_found', `${name}: no such file ${path}`);
  return path;
}

function positiveInt(value: string | undefined, name: string): number {
  const n = Number(value);
  if (value === undefined || !Number.isInteger(n) || n <= 0) throw new InputError('invalid', `${name} must be a positive integer, got ${value ?? 'nothing'}`);
  return n;
}

async function readHistories(lines: string, asOf: number, log: Log) {
  const t0 = performance.now();
  const { histories, rejected, lines: kept } = await readHistoriesFromCsv(lines, { until: asOf });
  if (kept === 0 || histories.size === 0) {
    throw new InputError('invalid', `${lines} has no readable lines at or before ${new Date(asOf).toISOString()}${rejected > 0 ? ` (${rejected} rows rejected)` : ''}`);
  }
  log(`read ${kept} lines of ${histories.size} customers (${rejected} rejected) in ${Math.round(performance.now() - t0)} ms`);
  return histories;
}

/**
 * Where `train` reads histories: a lines CSV (--lines), or the database (--from-db, given by the caller, which
 * owns it): a store's own facts, or at central (CENTRAL=1) the whole chain's.
 */
export type StoreHistories = (asOf: number) => Map<string, CustomerHistory> | Promise<Map<string, CustomerHistory>>;

export async function runTrain(args: string[], log: Log = (m) => console.error(m), store?: { histories: StoreHistories; modelsDir: string; now: number }) {
  const { values } = parseArgs({
    args,
    options: { lines: { type: 'string' }, 'from-db': { type: 'boolean', default: false }, 'as-of': { type: 'string' }, 'horizon-days': { type: 'string' }, out: { type: 'string' } },
  });
  const fromDb = values['from-db'];
  if (fromDb && values.lines) throw new InputError('invalid', 'give either --lines or --from-db, not both');
  if (fromDb && !store) throw new InputError('invalid', '--from-db needs the store database');
  // From the store: as of now, a 90-day horizon, and a new set under DATA_DIR/models that the running
  // appliance picks up (newest name wins) without a restart. It is trained into `<name>.tmp` and renamed
  // when complete, so the appliance never serves half a set.
  const asOf = fromDb && !values['as-of'] ? store!.now : parseAsOf(values['as-of']);
  const horizonDays = fromDb && !values['horizon-days'] ? 90 : positiveInt(values['horizon-days'], '--horizon-days');
  const finalDir = values.out ?? (fromDb ? join(store!.modelsDir, modelSetName(store!.now)) : undefined);
  if (!finalDir) throw new InputError('invalid', '--out <dir> is required');
  const outDir = values.out ? finalDir : `${finalDir}${PARTIAL_SUFFIX}`;
  let histories: Map<string, CustomerHistory>;
  if (fromDb) {
    histories = await store!.histories(asOf);
    if (histories.size === 0) throw new InputError('invalid', `the database has no identified purchases at or before ${new Date(asOf).toISOString()}`);
    log(`read ${histories.size} customers from the database`);
  } else histories = await readHistories(requireFile(values.lines, '--lines'), asOf, log);
  mkdirSync(outDir, { recursive: true });
  const t0 = performance.now();
  const customer = await trainCustomerModels(histories, asOf, outDir, { horizonDays, log });
  log(`customer models trained in ${Math.round(performance.now() - t0)} ms`);
  const t1 = performance.now();
  const ranker = await trainRanker(histories, asOf, outDir);
  log(`item ranker: ${ranker.status} in ${Math.round(performance.now() - t1)} ms`);
  if (outDir !== finalDir) renameSync(outDir, finalDir);
  return { out: finalDir, customer, ranker, customerMs: t1 - t0, rankerMs: performance.now() - t1 };
}

function csvField(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

export async function runPredict(args: string[], log: Log = (m) => console.error(m)) {
  const { values } = parseArgs({ args, options: { lines: { type: 'string' }, 'as-of': { type: 'string' }, models: { type: 'string' }, k: { type: 'string' }, out: { type: 'string' } } });
  const lines = requireFile(values.lines, '--lines');
  const asOf = parseAsOf(values['as-of']);
  const k = positiveInt(values.k, '--k');
  if (!values.models) throw new InputError('invalid', '--models <dir> is required');
  if (!existsSync(values.models)) throw new InputError('not_found', `--models: no such directory ${values.models}`);
  if (!values.out) throw new InputError('invalid', '--out <file.csv> is required');
  const scorer = await loadCustomerScorer(values.models);
  const recommender = await createRecommender(values.models);
  try {
    const histories = await readHistories(lines, asOf, log);
    const t0 = performance.now();
    const scores = await scorer.score(histories.values(), asOf);
    const recommendations = recommender ? await recommender.recommendMany(histories.values(), asOf, k, itemsOfHistories(histories.values(), asOf)) : new Map<string, string[]>();
    const out: string[] = ['customer_id,p_purchase,expected_purchases,recommendations'];
    for (const s of scores) {
      const recs = (recommendations.get(s.customerId) ?? []).slice(0, k);
      out.push(`${csvField(s.customerId)},${s.pPurchase.toFixed(6)},${s.expectedPurchases.toFixed(6)},${csvField(recs.join(' '))}`);
    }
    mkdirSync(dirname(values.out), { recursive: true });
    writeFileSync(values.out, `${out.join('\n')}\n`);
    log(`scored ${scores.length} customers${recommender ? ` with up to ${k} recommendations` : ' (no recommender)'} in ${Math.round(performance.now() - t0)} ms → ${values.out}`);
    return { customers: scores.length, out: values.out, ms: performance.now() - t0 };
  } finally {
    await scorer.close();
    await recommender?.close();
  }
}

