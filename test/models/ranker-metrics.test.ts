import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../server/kernel/errors.ts';
import { globalTopFrequent, personalThenGlobalTopFrequent, personalTopFrequent, tifuKnn } from '../../server/scoring/recommend/baselines.ts';
import { ndcgAtK, recallAtK, scoreNextBaskets } from '../../server/scoring/recommend/metrics.ts';
import { readNextBasketTruths } from '../../server/scoring/recommend/next-basket-truths.ts';
import type { PurchaseSequence } from '../../server/scoring/recommend/purchase-sequence.ts';

const DAY = 86_400_000;
function seq(customerId: string, baskets: string[][], returned: string[] = []): PurchaseSequence {
  return { customerId, times: baskets.map((_, i) => i * 7 * DAY), baskets, returned: new Set(returned) };
}

describe('Recall@K and NDCG@K', () => {
  it('match hand-computed values', () => {
    const truth = new Set(['b', 'd', 'e']);
    const rec = ['a', 'b', 'c', 'd'];
    expect(recallAtK(rec, truth, 2)).toBeCloseTo(1 / 3, 12);
    expect(recallAtK(rec, truth, 4)).toBeCloseTo(2 / 3, 12);
    // hits at ranks 2 and 4; ideal DCG over min(4, 3) = 3 hits: (1/log2 3 + 1/log2 5) / (1 + 1/log2 3 + 1/2)
    expect(ndcgAtK(rec, truth, 4)).toBeCloseTo(0.49818925746641285, 12);
    expect(ndcgAtK(['e', 'x'], new Set(['e']), 2)).toBe(1);
    expect(ndcgAtK(['x', 'e'], new Set(['e']), 1)).toBe(0);
    expect(recallAtK([], truth, 10)).toBe(0);
  });

  it('count a repeated recommendation once', () => {
    expect(recallAtK(['b', 'b'], new Set(['b', 'c']), 2)).toBe(0.5);
    expect(ndcgAtK(['b', 'b'], new Set(['b', 'c']), 2)).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12);
  });

  it('average over users with a truth basket; a user without recommendations scores 0', () => {
    const truths = new Map([
      ['u1', new Set(['a'])],
      ['u2', new Set(['b', 'c'])],
      ['u3', new Set<string>()],
    ]);
    const recs = new Map([['u1', ['a']]]);
    const s = scoreNextBaskets(recs, truths, 10);
    expect(s.users).toBe(2);
    expect(s.recall).toBeCloseTo(0.5, 12);
    expect(s.ndcg).toBeCloseTo(0.5, 12);
  });
});

describe('next-basket targets file', () => {
  it('reads CRLF files and refuses a wrong header', () => {
    const dir = mkdtempSync(join(tmpdir(), 'truths-'));
    try {
      writeFileSync(join(dir, 'ok.csv'), 'customer_id,sku\r\n2,9\r\n2,145\r\n3,9\r\n');
      const t = readNextBasketTruths(join(dir, 'ok.csv'));
      expect([...(t.get('2') ?? [])]).toEqual(['9', '145']);
      expect(t.get('3')?.has('9')).toBe(true);
      writeFileSync(join(dir, 'bad.csv'), 'customer,item\n2,9\n');
      expect(() => readNextBasketTruths(join(dir, 'bad.csv'))).toThrow(InputError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('baselines', () => {
  it('P-TopFreq ranks by basket count, then recency, and skips returned items', () => {
    const s = seq('u', [['a', 'b'], ['b', 'c'], ['a', 'd'], ['d', 'e']], ['e']);
    expect(personalTopFrequent(s, 3)).toEqual(['d', 'a', 'b']);
  });

  it('GP-TopFreq fills with global top items the customer does not have', () => {
    const pool = [seq('u1', [['x', 'y'], ['x']]), seq('u2', [['x', 'z'], ['y']]), seq('u3', [['a']], ['y'])];
    const g = globalTopFrequent(pool, 3);
    expect(g).toEqual(['x', 'y', 'a']);
    expect(personalThenGlobalTopFrequent(pool[2] as PurchaseSequence, g, 3)).toEqual(['a', 'x']);
  });

  it('TIFU-KNN mixes the own decayed vector with the nearest neighbours only', () => {
    // A's own vector (m=7, r_b=0.9, r_g=0.7): x = 0.81·0.7^6 + 0.7^4 ≈ 0.335, y = 0.9·0.7^5 ≈ 0.151.
    // B = {x: 0.9·0.7^6, z: 0.7^5} is nearer to A (d² ≈ 0.104) than C = {w: 0.7^6} (d² ≈ 0.149).
    const a = seq('A', [['x'], ['y'], ['x']]);
    const b = seq('B', [['x'], ['z']]);
    const c = seq('C', [['w']]);
    const params = { neighbours: 2, withinDecay: 0.9, groupDecay: 0.7, alpha: 0.5, groups: 7 };
    const out = tifuKnn([a, b, c], [a], 10, params);
    expect(out.get('A')).toEqual(['x', 'y', 'z']);
    const own = tifuKnn([a, b, c], [a], 10, { ...params, alpha: 1 });
    expect(own.get('A')).toEqual(['x', 'y']);
  });
});
