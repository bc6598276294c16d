import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readHistoriesFromCsv } from '../../server/scoring/history.ts';
import { globalTopFrequent, personalThenGlobalTopFrequent, personalTopFrequent, tifuKnn } from '../../server/scoring/recommend/baselines.ts';
import { scoreNextBaskets } from '../../server/scoring/recommend/metrics.ts';
import { readNextBasketTruths } from '../../server/scoring/recommend/next-basket-truths.ts';
import { purchaseSequence } from '../../server/scoring/recommend/purchase-sequence.ts';
import { createRecommender, itemsOfHistories } from '../../server/scoring/recommend/recommender.ts';
import { trainRanker } from '../../server/scoring/recommend/train-ranker.ts';

/*
 * The ranker against P-TopFreq, GP-TopFreq and TIFU-KNN on a next-basket targets file, with train and predict
 * times. `bun models/ranker/evaluate-tafeng.ts [lines.csv.gz] [targets.csv] [as-of ISO]` (Ta-Feng by default).
 * The targets are read only to score; training sees the lines at or before as-of only.
 */

const tafeng = join(import.meta.dirname, '..', '..', '..', 'shared', 'datasets', 'tafeng');
const lines = process.argv[2] ?? join(tafeng, 'lines.csv.gz');
const targets = process.argv[3] ?? join(tafeng, 'next_basket_validation.csv');
const asOf = Date.parse(process.argv[4] ?? '2001-03-01T12:00:00+08:00');
const seconds = (t: number) => ((performance.now() - t) / 1000).toFixed(1);

const dir = mkdtempSync(join(tmpdir(), 'ranker-eval-'));
try {
  let t = performance.now();
  const { histories } = await readHistoriesFromCsv(lines, { until: asOf });
  console.log(`read ${histories.size} customers in ${seconds(t)} s`);
  t = performance.now();
  const card = await trainRanker(histories, asOf, dir);
  console.log(`train ${seconds(t)} s`, JSON.stringify({ phases: card.phaseSeconds, trees: card.trees, internal: card.internalValidation }));
  t = performance.now();
  const rec = await createRecommender(dir);
  if (!rec) throw new Error(`no ranker: ${card.reason}`);
  const ours = await rec.recommendMany(histories.values(), asOf, 20, itemsOfHistories(histories.values(), asOf));
  await rec.close();
  console.log(`predict ${ours.size} customers in ${seconds(t)} s`);

  const truths = readNextBasketTruths(targets);
  const seqs = [...histories.values()].map((h) => purchaseSequence(h, asOf));
  const queries = seqs.filter((s) => truths.has(s.customerId));
  const globalTop = globalTopFrequent(seqs, 100);
  t = performance.now();
  const tifu = tifuKnn(seqs, queries, 20);
  console.log(`TIFU-KNN ${seconds(t)} s`);
  const methods: Array<[string, Map<string, string[]>]> = [
    ['ranker', ours],
    ['P-TopFreq', new Map(queries.map((s) => [s.customerId, personalTopFrequent(s, 20)]))],
    ['GP-TopFreq', new Map(queries.map((s) => [s.customerId, personalThenGlobalTopFrequent(s, globalTop, 20)]))],
    ['TIFU-KNN', tifu],
  ];
  for (const [name, recs] of methods) {
    const at10 = scoreNextBaskets(recs, truths, 10);
    const at20 = scoreNextBaskets(recs, truths, 20);
    console.log(`${name.padEnd(11)} users ${at10.users}  Recall@10 ${at10.recall.toFixed(4)}  NDCG@10 ${at10.ndcg.toFixed(4)}  Recall@20 ${at20.recall.toFixed(4)}  NDCG@20 ${at20.ndcg.toFixed(4)}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
