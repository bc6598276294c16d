import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../../server/kernel/clock.ts';
import { seededRandom } from '../../server/demo/random.ts';
import type { CustomerHistory } from '../../server/scoring/history.ts';
import { customerCandidates, FEATURE_COUNT, itemContext, RANKER_FEATURES } from '../../server/scoring/recommend/candidate-features.ts';
import { computeItemStats } from '../../server/scoring/recommend/item-stats.ts';
import { purchaseSequence } from '../../server/scoring/recommend/purchase-sequence.ts';

/*
 * The co-purchase features accumulate in per-item buffers reused from one customer to the next: nothing of
 * one customer may leak into the next one's candidates or features.
 */

const asOf = Date.parse('2026-06-01T00:00:00Z');

function randomHistories(seed: number, customers: number): CustomerHistory[] {
  const rnd = seededRandom(seed);
  return Array.from({ length: customers }, (_, c) => ({
    customerId: `C${c}`,
    baskets: Array.from({ length: rnd.int(1, 12) }, (_, b) => ({
      at: asOf - (200 - b * 15) * DAY_MS,
      amountMinor: 1000,
      isReturn: false,
      items: Array.from({ length: rnd.int(1, 6) }, () => ({ sku: `I${Math.floor(60 * rnd.next() ** 2)}`, quantityMilli: 1000, amountMinor: 100 })),
    })),
  }));
}

describe('ranker candidate features', () => {
  const histories = randomHistories(5, 300);
  const sequences = histories.map((h) => purchaseSequence(h, asOf));
  const ctx = itemContext(computeItemStats(sequences));
  const col = (name: (typeof RANKER_FEATURES)[number]) => RANKER_FEATURES.indexOf(name);

  it('gives a customer the same candidates and features whoever was scored before', () => {
    const alone = sequences.map((s) => customerCandidates(s, asOf, itemContext(computeItemStats(sequences))));
    const inTurn = sequences.map((s) => customerCandidates(s, asOf, ctx));
    const reversed = [...sequences].reverse().map((s) => customerCandidates(s, asOf, ctx)).reverse();
    for (let i = 0; i < sequences.length; i++) {
      expect(inTurn[i]!.skus).toEqual(alone[i]!.skus);
      expect(reversed[i]!.skus).toEqual(alone[i]!.skus);
      expect(Array.from(inTurn[i]!.features)).toEqual(Array.from(alone[i]!.features));
      expect(Array.from(reversed[i]!.features)).toEqual(Array.from(alone[i]!.features));
      expect(inTurn[i]!.partners).toEqual(alone[i]!.partners);
    }
  });

  it('scores co-purchase only from what the customer bought: a newcomer with one basket reaches only its neighbours', () => {
    customerCandidates(sequences[0]!, asOf, ctx); // leaves its buffers touched, then cleared
    const one = purchaseSequence({ customerId: 'N', baskets: [{ at: asOf - DAY_MS, amountMinor: 100, isReturn: false, items: [{ sku: 'I1', quantityMilli: 1000, amountMinor: 100 }] }] }, asOf);
    const c = customerCandidates(one, asOf, ctx);
    const item = ctx.indexOf.get('I1')!;
    const neighbours = new Set((ctx.stats.neighbourIds[item] ?? []).map((j) => ctx.stats.skus[j]));
    for (let r = 0; r < c.skus.length; r++) {
      const lastSum = c.features[r * FEATURE_COUNT + col('co_last_sum')]!;
      if (neighbours.has(c.skus[r]!)) expect(lastSum).toBeGreaterThan(0);
      else expect(lastSum).toBe(0);
      expect(c.partners[r] === null || c.partners[r]!.sku === 'I1').toBe(true);
    }
  });
});
