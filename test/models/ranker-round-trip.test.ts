import { seededRandom } from '../../server/demo/random.ts';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Basket, CustomerHistory } from '../../server/scoring/history.ts';
import { globalTopFrequent, personalThenGlobalTopFrequent } from '../../server/scoring/recommend/baselines.ts';
import { RANKER_FEATURES } from '../../server/scoring/recommend/candidate-features.ts';
import { scoreNextBaskets } from '../../server/scoring/recommend/metrics.ts';
import { purchaseSequence } from '../../server/scoring/recommend/purchase-sequence.ts';
import type { RankerCard } from '../../server/scoring/recommend/ranker-card.ts';
import { createRecommender, itemsOfHistories, type Recommender } from '../../server/scoring/recommend/recommender.ts';
import { trainRanker } from '../../server/scoring/recommend/train-ranker.ts';

/*
 * trainRanker → files → createRecommender on a synthetic store where customers buy staples on personal cycles,
 * one pair of items is bought together, and a few items are popular. Real xgboost, real onnxruntime-node.
 */

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const AS_OF = T0 + 24 * 7 * DAY;

/** Seeded, so a failure reproduces. */
const rng = (seed: number): (() => number) => seededRandom(seed).next;

interface Store {
  histories: Map<string, CustomerHistory>;
  /** Each customer's basket in the week after AS_OF (the target). */
  next: Map<string, Set<string>>;
}

function basket(at: number, skus: Iterable<string>): Basket {
  const items = [...new Set(skus)].map((sku) => ({ sku, quantityMilli: 1000, amountMinor: 500 }));
  return { at, amountMinor: 500 * items.length, items, isReturn: false };
}

function syntheticStore(customers: number, seed: number): Store {
  const r = rng(seed);
  const histories = new Map<string, CustomerHistory>();
  const next = new Map<string, Set<string>>();
  for (let c = 0; c < customers; c++) {
    const staples = Array.from({ length: 3 }, () => ({ sku: `s${Math.floor(r() * 60)}`, cycle: 1 + Math.floor(r() * 4), phase: Math.floor(r() * 4) }));
    const weekly: Array<Set<string>> = [];
    for (let w = 0; w <= 24; w++) {
      const skus = new Set<string>();
      for (const s of staples) if ((w + s.phase) % s.cycle === 0) skus.add(s.sku);
      if (r() < 0.5) skus.add(`p${Math.floor(r() * r() * 8)}`); // a few popular items, skewed
      if (r() < 0.15) skus.add(`x${Math.floor(r() * 200)}`); // long tail noise
      if (skus.has('s7') && r() < 0.8) skus.add('pair-b'); // s7 comes with pair-b
      weekly.push(skus);
    }
    const id = `c${c}`;
    const baskets: Basket[] = [];
    weekly.forEach((skus, w) => {
      if (w < 24 && skus.size > 0) baskets.push(basket(T0 + w * 7 * DAY + Math.floor(r() * 3) * DAY, skus));
    });
    histories.set(id, { customerId: id, baskets });
    next.set(id, weekly[24] as Set<string>);
  }
  return { histories, next };
}

const dir = mkdtempSync(join(tmpdir(), 'ranker-rt-'));
const store = syntheticStore(500, 11);
/** The synthetic store's own items: what a store serving this ranker recommends from. */
const items = itemsOfHistories(store.histories.values(), AS_OF);
let card: RankerCard;
let rec: Recommender;

beforeAll(async () => {
  card = await trainRanker(store.histories, AS_OF, dir);
  const r = await createRecommender(dir);
  if (!r) throw new Error('no recommender after training');
  rec = r;
}, 120_000);
afterAll(async () => {
  await rec?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('trainRanker → createRecommender', () => {
  it('writes the model, the item statistics and a card naming features, span and hashes', () => {
    expect(card.status).toBe('trained');
    expect(card.features).toEqual([...RANKER_FEATURES]);
    const onnx = readFileSync(join(dir, 'ranker.onnx'));
    expect(card.files?.onnxSha256).toBe(createHash('sha256').update(onnx).digest('hex'));
    expect(existsSync(join(dir, 'ranker.items.json'))).toBe(true);
    // What `cli predict` recommends from (the items of the lines it is given) is, on the training lines, the
    // table written beside the model.
    expect(JSON.parse(readFileSync(join(dir, 'ranker.items.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(items.stats)));
    expect(Date.parse(card.dataSpan?.to ?? '')).toBeLessThanOrEqual(AS_OF);
    expect(card.internalValidation?.customers).toBeGreaterThan(0);
  });

  it('beats GP-TopFreq on the following week of the synthetic store', async () => {
    const recs = await rec.recommendMany(store.histories.values(), AS_OF, 5, items);
    const seqs = [...store.histories.values()].map((h) => purchaseSequence(h, AS_OF));
    const g = globalTopFrequent(seqs, 50);
    const gp = new Map(seqs.map((s) => [s.customerId, personalThenGlobalTopFrequent(s, g, 5)]));
    const ours = scoreNextBaskets(recs, store.next, 5);
    const base = scoreNextBaskets(gp, store.next, 5);
    expect(ours.recall).toBeGreaterThan(base.recall);
    expect(ours.ndcg).toBeGreaterThan(base.ndcg);
  });

  it('never reads baskets after asOf: appending future baskets changes nothing', async () => {
    for (const id of ['c1', 'c2', 'c3', 'c4']) {
      const h = store.histories.get(id) as CustomerHistory;
      const before = await rec.recommend(h, AS_OF, 10, items);
      const future: CustomerHistory = {
        customerId: id,
        baskets: [...h.baskets, basket(AS_OF + 1, ['pair-b', 's1', 'x3']), basket(AS_OF + 5 * DAY, ['p0', 's7'])],
      };
      expect(await rec.recommend(future, AS_OF, 10, items)).toEqual(before);
      expect(before.length).toBe(10);
      expect(new Set(before).size).toBe(10);
    }
  });

  it('does not recommend an item the customer returned', async () => {
    const h = store.histories.get('c5') as CustomerHistory;
    const top = (await rec.recommend(h, AS_OF, 3, items))[0] as string;
    const returnedAt = AS_OF - DAY;
    const withReturn: CustomerHistory = {
      customerId: 'c5',
      baskets: [...h.baskets, { at: returnedAt, amountMinor: -500, items: [{ sku: top, quantityMilli: -1000, amountMinor: -500 }], isReturn: true }],
    };
    expect(await rec.recommend(withReturn, AS_OF, 10, items)).not.toContain(top);
  });

  it('scores many customers in one batch exactly as one by one, and explains each item', async () => {
    const some = ['c10', 'c11', 'c12'].map((id) => store.histories.get(id) as CustomerHistory);
    const batch = await rec.recommendMany(some, AS_OF, 6, items);
    for (const h of some) expect(batch.get(h.customerId)).toEqual(await rec.recommend(h, AS_OF, 6, items));
    const explained = await rec.explain(some[0] as CustomerHistory, AS_OF, 6, items);
    expect(explained.map((e) => e.sku)).toEqual(batch.get('c10'));
    for (const e of explained) expect(e.reason.text.length).toBeGreaterThan(0);
    // scores are best first
    for (let i = 1; i < explained.length; i++) expect((explained[i] as { score: number }).score).toBeLessThanOrEqual((explained[i - 1] as { score: number }).score);
  });

  it('gives a rhythm reason for a staple and a co-purchase reason for its partner', async () => {
    const h: CustomerHistory = {
      customerId: 'new',
      baskets: [0, 1, 2, 3, 4, 5].map((w) => basket(AS_OF - (6 - w) * 14 * DAY, w === 5 ? ['s7', 's20'] : ['s20'])),
    };
    const explained = await rec.explain(h, AS_OF, 500, items); // every candidate
    expect(explained[0]?.sku).toBe('s20'); // bought every 14 days, due now
    const staple = explained[0];
    expect(staple?.reason.kind).toBe('repeat_cycle');
    expect(staple?.reason.everyDays).toBe(14);
    // pair-b only ever comes in the same basket as s7, so it is a candidate with a co-purchase reason
    const pair = explained.find((e) => e.sku === 'pair-b');
    expect(pair?.reason).toMatchObject({ kind: 'bought_with', withSku: 's7' });
    const popular = explained.find((e) => e.sku === 'p0');
    expect(popular?.reason.kind).toMatch(/^popular/);
  });

  it('serves the candidates its card names, not whatever this build defaults to', async () => {
    const h: CustomerHistory = { customerId: 'own-only', baskets: [basket(AS_OF - 14 * DAY, ['s20']), basket(AS_OF - 7 * DAY, ['s7', 's20'])] };
    const narrowed = mkdtempSync(join(tmpdir(), 'ranker-limits-'));
    try {
      cpSync(dir, narrowed, { recursive: true });
      const cardPath = join(narrowed, 'ranker.card.json');
      const edited = { ...card, candidateLimits: { own: 100, neighbours: 0, popular: 0 } };
      writeFileSync(cardPath, JSON.stringify(edited));
      const own = await createRecommender(narrowed);
      try {
        expect((await own?.explain(h, AS_OF, 500, items))?.map((e) => e.sku).sort()).toEqual(['s20', 's7']);
      } finally {
        await own?.close();
      }
      expect((await rec.explain(h, AS_OF, 500, items)).length).toBeGreaterThan(2); // the trained card adds neighbours and popular items
    } finally {
      rmSync(narrowed, { recursive: true, force: true });
    }
  });
});

describe('data without SKUs', () => {
  it('writes nothing, says so in the card, and yields no recommender', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'ranker-nosku-'));
    try {
      const histories = new Map<string, CustomerHistory>([
        ['a', { customerId: 'a', baskets: [{ at: T0, amountMinor: 1000, items: [], isReturn: false }, { at: T0 + DAY, amountMinor: 900, items: [], isReturn: false }] }],
      ]);
      const c = await trainRanker(histories, AS_OF, empty);
      expect(c.status).toBe('skipped');
      expect(c.reason).toMatch(/no SKUs/);
      expect(readdirSync(empty)).toEqual([]);
      expect(await createRecommender(empty)).toBeNull();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
