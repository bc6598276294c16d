import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readHistoriesFromCsv, type CustomerHistory } from '../../server/scoring/history.ts';
import { globalTopFrequent, personalThenGlobalTopFrequent } from '../../server/scoring/recommend/baselines.ts';
import { scoreNextBaskets } from '../../server/scoring/recommend/metrics.ts';
import { readNextBasketTruths } from '../../server/scoring/recommend/next-basket-truths.ts';
import { purchaseSequence } from '../../server/scoring/recommend/purchase-sequence.ts';
import { createRecommender, itemsOfHistories } from '../../server/scoring/recommend/recommender.ts';
import { trainRanker } from '../../server/scoring/recommend/train-ranker.ts';
import { unitHash } from '../../server/scoring/recommend/training-rows.ts';

/*
 * Real data: a hash-chosen quarter of the Ta-Feng users, trained at the evaluation as-of time and scored on their
 * next baskets from the shared validation file, against GP-TopFreq on the same users (the full run is in
 * models/ranker/evaluate-tafeng.ts).
 */

const DATA = '/work/shared/datasets/tafeng';
const AS_OF = Date.parse('2001-03-01T12:00:00+08:00');
const dir = mkdtempSync(join(tmpdir(), 'ranker-tafeng-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!existsSync(join(DATA, 'lines.csv.gz')))('ranker on a quarter of Ta-Feng', () => {
  it('beats GP-TopFreq on Recall@10 and NDCG@10 of the validation baskets', async () => {
    const { histories: all } = await readHistoriesFromCsv(join(DATA, 'lines.csv.gz'), { until: AS_OF });
    const histories = new Map<string, CustomerHistory>([...all].filter(([id]) => unitHash(`subset:${id}`) < 0.25));
    const card = await trainRanker(histories, AS_OF, dir);
    expect(card.status).toBe('trained');
    const rec = await createRecommender(dir);
    if (!rec) throw new Error('no recommender');
    const truths = new Map([...readNextBasketTruths(join(DATA, 'next_basket_validation.csv'))].filter(([id]) => histories.has(id)));
    const ours = scoreNextBaskets(await rec.recommendMany(histories.values(), AS_OF, 10, itemsOfHistories(histories.values(), AS_OF)), truths, 10);
    await rec.close();
    const seqs = [...histories.values()].map((h) => purchaseSequence(h, AS_OF));
    const g = globalTopFrequent(seqs, 100);
    const gp = scoreNextBaskets(new Map(seqs.map((s) => [s.customerId, personalThenGlobalTopFrequent(s, g, 10)])), truths, 10);
    console.info(`Ta-Feng quarter: ${ours.users} users, ranker R@10 ${ours.recall.toFixed(4)} NDCG@10 ${ours.ndcg.toFixed(4)}; GP-TopFreq ${gp.recall.toFixed(4)} / ${gp.ndcg.toFixed(4)}`);
    expect(ours.users).toBeGreaterThan(2000);
    expect(ours.recall).toBeGreaterThan(gp.recall);
    expect(ours.ndcg).toBeGreaterThan(gp.ndcg);
  }, 180_000);
});
