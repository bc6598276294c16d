import { seededRandom } from '../../server/demo/random.ts';
import { describe, expect, it } from 'vitest';
import type { Basket, CustomerHistory } from '../../server/scoring/history.ts';
import { CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES, DAY_MS, customerFeatures, purchaseDaysBetween, rfmAt } from '../../server/scoring/customer-features.ts';
import { parseAsOf } from '../../server/scoring/as-of.ts';

/** Seeded, so a failure reproduces. */
const rng = (seed: number): (() => number) => seededRandom(seed).next;

function randomBaskets(rand: () => number, from: number, to: number, n: number): Basket[] {
  const out: Basket[] = [];
  for (let i = 0; i < n; i++) {
    const at = Math.floor(from + rand() * (to - from));
    const isReturn = rand() < 0.08;
    const items = Array.from({ length: Math.floor(rand() * 4) }, () => ({ sku: `s${Math.floor(rand() * 12)}`, quantityMilli: 1000, amountMinor: 100 }));
    out.push({ at, amountMinor: (isReturn ? -1 : 1) * Math.floor(rand() * 5000), items, isReturn });
  }
  return out.sort((a, b) => a.at - b.at);
}

const ctx = { horizonDays: 28, bgnbd: { r: 0.25, alpha: 4.8, a: 0.72, b: 2.16 } };

describe('customer features', () => {
  it('names are unique and match the vector length', () => {
    expect(new Set(CUSTOMER_FEATURE_NAMES).size).toBe(CUSTOMER_FEATURE_COUNT);
  });

  it('appending baskets after the as-of time never changes the features (random histories)', () => {
    const rand = rng(12345);
    const asOf = Date.parse('2024-06-01T00:00:00Z');
    let compared = 0;
    for (let trial = 0; trial < 300; trial++) {
      const past = randomBaskets(rand, asOf - 400 * DAY_MS, asOf, 1 + Math.floor(rand() * 30));
      const future = randomBaskets(rand, asOf + 1, asOf + 200 * DAY_MS, 1 + Math.floor(rand() * 20));
      const base: CustomerHistory = { customerId: 'c', baskets: past };
      const extended: CustomerHistory = { customerId: 'c', baskets: [...past, ...future] };
      const a = customerFeatures(base, asOf, ctx);
      const b = customerFeatures(extended, asOf, ctx);
      expect(b === null).toBe(a === null);
      if (a && b) {
        expect(Array.from(b)).toEqual(Array.from(a));
        compared += 1;
      }
    }
    expect(compared).toBeGreaterThan(250);
  });

  it('counts same-day purchases as one transaction and reads recency, T and gaps in days', () => {
    const asOf = Date.parse('2024-03-31T23:00:00Z');
    const day = (d: string, h = 12) => Date.parse(`${d}T${String(h).padStart(2, '0')}:00:00Z`);
    const b = (at: number, amountMinor: number, isReturn = false): Basket => ({ at, amountMinor, items: [], isReturn });
    const h: CustomerHistory = {
      customerId: 'c',
      baskets: [b(day('2024-01-01', 9), 1000), b(day('2024-01-01', 18), 500), b(day('2024-01-11'), 2000), b(day('2024-01-31'), 3000), b(day('2024-02-05'), -700, true), b(day('2024-04-02'), 9999)],
    };
    const f = customerFeatures(h, asOf, ctx)!;
    const get = (name: (typeof CUSTOMER_FEATURE_NAMES)[number]) => f[CUSTOMER_FEATURE_NAMES.indexOf(name)];
    expect(get('frequency')).toBe(2); // Jan 1 (twice), Jan 11, Jan 31
    expect(get('baskets')).toBe(4);
    expect(get('recency_days')).toBe(60); // Jan 31 12:00 → Mar 31 23:00
    expect(get('tenure_days')).toBe(90);
    expect(get('gap_mean_days')).toBe(15);
    expect(get('spend_total')).toBe(6500);
    expect(get('returns')).toBe(1);
    expect(get('bgnbd_p_alive')).toBeGreaterThan(0);
    expect(get('bgnbd_p_alive')).toBeLessThan(1);
    expect(rfmAt(h, asOf)).toEqual({ x: 2, tx: 30 / 7, T: 90 / 7 });
    expect(purchaseDaysBetween(h, asOf, asOf + 10 * DAY_MS)).toBe(1);
    expect(customerFeatures(h, day('2023-12-31'), ctx)).toBeNull();
  });

  it('a bare --as-of date keeps the whole day anywhere on earth; times need an offset', () => {
    expect(parseAsOf('1997-09-30')).toBeGreaterThan(Date.parse('1997-09-30T12:00:00-05:00'));
    expect(parseAsOf('1997-09-30')).toBeLessThan(Date.parse('1997-10-01T12:00:00-05:00'));
    expect(parseAsOf('2001-03-01T12:00:00+08:00')).toBe(Date.parse('2001-03-01T04:00:00Z'));
    expect(() => parseAsOf('2001-03-01T12:00:00')).toThrow(/offset/);
    expect(() => parseAsOf('yesterday')).toThrow();
  });
});
