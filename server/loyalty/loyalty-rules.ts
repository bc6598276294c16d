import { DAY_MS } from '../kernel/clock.ts';
import type { Config } from '../kernel/config.ts';
import type { LineInput } from '../kernel/transaction-input.ts';

export interface LoyaltyRules {
  pointsPerUnit: number;
  /** 10^minor digits: minor units per currency unit. */
  minorPerUnit: number;
  categoryMultipliers: Record<string, number>;
  returnWindowMs: number;
  expiryMs: number;
  tiers: Array<{ name: string; min_points: number }>;
}

export function loyaltyRulesFrom(config: Config): LoyaltyRules {
  return {
    pointsPerUnit: config.LOYALTY_POINTS_PER_UNIT,
    minorPerUnit: 10 ** config.STORE_CURRENCY_MINOR_DIGITS,
    categoryMultipliers: config.LOYALTY_CATEGORY_MULTIPLIERS,
    returnWindowMs: config.LOYALTY_RETURN_WINDOW_DAYS * DAY_MS,
    expiryMs: config.LOYALTY_EXPIRY_DAYS * DAY_MS,
    tiers: config.LOYALTY_TIERS,
  };
}

/**
 * Points for the counted (non-void) lines: per whole currency unit of net amount, with category
 * multipliers. Computed on the sum, so many small lines are not each rounded down.
 */
export function pointsForLines(rules: LoyaltyRules, lines: readonly LineInput[]): number {
  let weightedMinor = 0;
  for (const l of lines) {
    if (l.void || l.amount === null) continue;
    weightedMinor += l.amount * (l.category ? (rules.categoryMultipliers[l.category] ?? 1) : 1);
  }
  return Math.max(0, Math.floor(weightedMinor / rules.minorPerUnit)) * rules.pointsPerUnit;
}

export interface TierStatus {
  name: string;
  earned12m: number;
  next: { name: string; pointsNeeded: number } | null;
}

export function tierFor(rules: LoyaltyRules, earned12m: number): TierStatus {
  let index = 0;
  rules.tiers.forEach((t, i) => {
    if (earned12m >= t.min_points) index = i;
  });
  const next = rules.tiers[index + 1];
  return {
    name: rules.tiers[index]!.name,
    earned12m,
    next: next ? { name: next.name, pointsNeeded: next.min_points - earned12m } : null,
  };
}
