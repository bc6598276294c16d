import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAsOf } from '../server/scoring/as-of.ts';
import { readHistoriesFromCsv } from '../server/scoring/history.ts';
import { trainCustomerModels } from '../server/scoring/customer-training.ts';
import { trainRanker } from '../server/scoring/recommend/train-ranker.ts';

/*
 * npm run models:default — the models shipped in models/default/, trained from the public data:
 *  - customer models on all of CDNOW (as-of 1998-06-30, horizon 90 days), item- and currency-agnostic: the trees
 *    may not use item or absolute-money features, so a store with SKUs or another currency gets sensible scores;
 *  - the item ranker on Ta-Feng (as-of 2001-03-01T12:00:00+08:00).
 */
const DATA = join(import.meta.dirname, '..', '..', 'shared', 'datasets');
const OUT = join(import.meta.dirname, 'default');
const log = (m: string) => console.error(`  ${m}`);

export const DEFAULT_HORIZON_DAYS = 90;
const ITEM_AND_MONEY_FEATURES = ['items_per_basket', 'distinct_skus', 'sku_repeat_share', 'spend_total', 'spend_per_day_mean', 'spend_last_day', 'spend_90', 'spend_365'];

rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });

console.error('customer models: CDNOW, as-of 1998-06-30, horizon 90 days');
const cdAsOf = parseAsOf('1998-06-30');
const cd = await readHistoriesFromCsv(join(DATA, 'cdnow', 'lines.csv'), { until: cdAsOf });
await trainCustomerModels(cd.histories, cdAsOf, OUT, { horizonDays: DEFAULT_HORIZON_DAYS, dropFeatures: ITEM_AND_MONEY_FEATURES, log });

console.error('item ranker: Ta-Feng, as-of 2001-03-01T12:00:00+08:00');
const tfAsOf = parseAsOf('2001-03-01T12:00:00+08:00');
const tf = await readHistoriesFromCsv(join(DATA, 'tafeng', 'lines.csv.gz'), { until: tfAsOf });
const ranker = await trainRanker(tf.histories, tfAsOf, OUT);
console.error(`  ranker: ${(ranker as { status?: string }).status ?? 'done'}`);

// the protocol evaluation's figures (models/eval-out/figures.json from npm run eval:models), when present
try {
  const figures = JSON.parse(readFileSync(join(import.meta.dirname, 'eval-out', 'figures.json'), 'utf8')) as unknown;
  for (const name of ['p_purchase', 'expected_purchases']) {
    const path = join(OUT, `${name}.card.json`);
    const card = JSON.parse(readFileSync(path, 'utf8')) as { metrics: Record<string, unknown> };
    card.metrics.protocol_evaluation = { note: 'same method trained at the evaluation as-of dates (see models/EVAL.md), not these weights', figures };
    writeFileSync(path, `${JSON.stringify(card, null, 2)}\n`);
  }
} catch {
  console.error('  (no models/eval-out/figures.json: run npm run eval:models to add the evaluation figures to the cards)');
}
console.error(`default models written to ${OUT}`);
