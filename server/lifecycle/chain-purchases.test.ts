import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../kernel/clock.ts';
import { type LifecycleRules, lifecycleFacts, stageAt, summarizePurchases, withChainPurchases } from './lifecycle-rules.ts';

const rules: LifecycleRules = {
  firstPurchaseMs: 90 * DAY_MS,
  activeMs: 90 * DAY_MS,
  dormantMs: 365 * DAY_MS,
  prospectMs: 90 * DAY_MS,
  personalGap: false,
  gapFactor: 2,
  refundsUndoPurchase: true,
};
const now = Date.parse('2026-11-22T10:00:00Z');
const here = (...daysAgo: number[]) => lifecycleFacts(rules, now - 400 * DAY_MS, summarizePurchases(daysAgo.map((d) => now - d * DAY_MS)));
const stage = (f: ReturnType<typeof here>) => stageAt(rules, f, now).stage;

describe('lifecycle with the chain’s purchases', () => {
  it('makes a customer who bought elsewhere yesterday active here, where they last bought 200 days ago', () => {
    expect(stage(here(200))).toBe('at_risk');
    const f = withChainPurchases(rules, here(200), { visits: 2, lastPurchaseAt: now - DAY_MS });
    expect(stageAt(rules, f, now)).toEqual({ stage: 'active', since: now - DAY_MS });
    expect(f.firstPurchaseAt).toBe(now - 200 * DAY_MS); // this store's own first purchase stays
  });

  it('counts visits elsewhere toward a first purchase becoming repeat custom, and a purchase elsewhere for one never seen buying here', () => {
    expect(stage(here(10))).toBe('first_purchase');
    expect(stage(withChainPurchases(rules, here(10), { visits: 3, lastPurchaseAt: now - 10 * DAY_MS }))).toBe('active');
    expect(stage(here())).toBe('prospect');
    expect(stage(withChainPurchases(rules, here(), { visits: 1, lastPurchaseAt: now - 5 * DAY_MS }))).toBe('first_purchase');
  });

  it('keeps a run of activity going through a purchase elsewhere within the risk threshold, and starts one after a long gap', () => {
    const steady = withChainPurchases(rules, here(60, 30), { visits: 3, lastPurchaseAt: now - 2 * DAY_MS });
    expect(stageAt(rules, steady, now)).toEqual({ stage: 'active', since: now - 30 * DAY_MS }); // active since their second purchase here
    const back = withChainPurchases(rules, here(300, 250), { visits: 3, lastPurchaseAt: now - 2 * DAY_MS });
    expect(stageAt(rules, back, now)).toEqual({ stage: 'active', since: now - 2 * DAY_MS });
  });

  it('changes nothing for a customer known here only, or whose last purchase anywhere was here', () => {
    expect(withChainPurchases(rules, here(200), null)).toEqual(here(200));
    expect(stage(withChainPurchases(rules, here(200, 100), { visits: 2, lastPurchaseAt: now - 300 * DAY_MS }))).toBe('at_risk');
  });
});
