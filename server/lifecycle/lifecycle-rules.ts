import { DAY_MS } from '../kernel/clock.ts';
import type { Stage } from '../contract/enums.ts';
import { median } from '../kernel/numbers.ts';
import type { Config } from '../kernel/config.ts';

/*
 * Lifecycle stages from facts, as a pure function of a customer's purchase times and a moment. Every stage
 * comes with `since`: the moment the customer entered it (a threshold crossing happens at last purchase +
 * window, not when a sweep noticed it), so stage history is true whenever it is computed.
 */

export interface LifecycleRules {
  firstPurchaseMs: number;
  activeMs: number;
  dormantMs: number;
  /** 0 = never. */
  prospectMs: number;
  personalGap: boolean;
  gapFactor: number;
  refundsUndoPurchase: boolean;
}

export function lifecycleRulesFrom(config: Config): LifecycleRules {
  return {
    firstPurchaseMs: config.LIFECYCLE_FIRST_PURCHASE_DAYS * DAY_MS,
    activeMs: config.LIFECYCLE_ACTIVE_DAYS * DAY_MS,
    dormantMs: config.LIFECYCLE_DORMANT_DAYS * DAY_MS,
    prospectMs: config.LIFECYCLE_PROSPECT_DAYS * DAY_MS,
    personalGap: config.LIFECYCLE_PERSONAL_GAP,
    gapFactor: config.LIFECYCLE_GAP_FACTOR,
    refundsUndoPurchase: config.LIFECYCLE_REFUNDS_UNDO_PURCHASE,
  };
}

/** What the stage depends on; kept per customer so the daily sweep needs no scan of transactions. */
export interface LifecycleFacts {
  /** Registration (or first sighting) time. */
  joinedAt: number;
  purchaseCount: number;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  secondPurchaseAt: number | null;
  /** Median gap between the last RECENT_PURCHASES counted purchases (ms), null below 3 purchases. */
  medianGapMs: number | null;
  /** Start of the current run of purchases without a gap longer than the risk threshold (within the same window). */
  activeSince: number | null;
}

/**
 * The purchases the facts are computed from: how many, the first two, and the last RECENT_PURCHASES (ascending).
 * A customer's rhythm is read from their recent purchases only: a house card or a daily regular may hold
 * tens of thousands, and re-reading them all at every sale made each of that card's sales slower than the
 * last (bench/RESULTS.md, bench:long-history). Fifty gaps say what "usual" is, and say it about now.
 */
export interface PurchaseSummary {
  count: number;
  first: number | null;
  second: number | null;
  recent: readonly number[];
}

export const RECENT_PURCHASES = 51;

/** The summary of a whole list of counted purchase times (ascending). */
export function summarizePurchases(purchases: readonly number[]): PurchaseSummary {
  return { count: purchases.length, first: purchases[0] ?? null, second: purchases[1] ?? null, recent: purchases.slice(-RECENT_PURCHASES) };
}

export interface StageAt {
  stage: Stage;
  since: number;
}

const MIN_PERSONAL_PURCHASES = 3;
/** A personal threshold never goes below a week: weekly shoppers are not at risk after 9 days. */
const MIN_PERSONAL_RISK_MS = 7 * DAY_MS;
/** Nor above half the dormant threshold: even slow buyers get a win-back period before they go dormant. */
const MAX_PERSONAL_RISK_SHARE_OF_DORMANT = 0.5;

/** How long after the last purchase a repeat customer counts as at risk. */
export function riskAfterMs(rules: LifecycleRules, facts: Pick<LifecycleFacts, 'purchaseCount' | 'medianGapMs'>): number {
  if (rules.personalGap && facts.purchaseCount >= MIN_PERSONAL_PURCHASES && facts.medianGapMs !== null) {
    return Math.min(rules.dormantMs * MAX_PERSONAL_RISK_SHARE_OF_DORMANT, Math.max(MIN_PERSONAL_RISK_MS, rules.gapFactor * facts.medianGapMs));
  }
  return rules.activeMs;
}

export function stageAt(rules: LifecycleRules, f: LifecycleFacts, at: number): StageAt {
  if (f.purchaseCount === 0 || f.lastPurchaseAt === null) {
    if (rules.prospectMs > 0 && at - f.joinedAt > rules.prospectMs) return { stage: 'prospect', since: f.joinedAt + rules.prospectMs };
    return { stage: 'new', since: f.joinedAt };
  }
  const last = f.lastPurchaseAt;
  if (at - last > rules.dormantMs) return { stage: 'dormant', since: last + rules.dormantMs };
  if (f.purchaseCount === 1) {
    if (at - last <= rules.firstPurchaseMs) return { stage: 'first_purchase', since: last };
    return { stage: 'at_risk', since: last + rules.firstPurchaseMs };
  }
  const riskAfter = riskAfterMs(rules, f);
  if (at - last > riskAfter) return { stage: 'at_risk', since: last + riskAfter };
  return { stage: 'active', since: f.activeSince ?? last };
}

/**
 * Facts from the customer's counted purchases. `activeSince` walks back from the last purchase while gaps
 * stay within the risk threshold: a customer who came back after a long gap has been active since they came
 * back (never before their second purchase, nor before the recent window).
 */
export function lifecycleFacts(rules: LifecycleRules, joinedAt: number, purchases: PurchaseSummary): LifecycleFacts {
  const { count: n, recent } = purchases;
  const gaps: number[] = [];
  for (let i = 1; i < recent.length; i++) gaps.push(recent[i]! - recent[i - 1]!);
  const medianGapMs = n >= MIN_PERSONAL_PURCHASES ? median(gaps) : null;
  const base = { joinedAt, purchaseCount: n, firstPurchaseAt: purchases.first, lastPurchaseAt: recent[recent.length - 1] ?? null, secondPurchaseAt: purchases.second, medianGapMs };
  let activeSince: number | null = null;
  if (n >= 2) {
    const riskAfter = riskAfterMs(rules, base);
    // Index in `recent` of the customer's second purchase (negative when it is before the window).
    const second = 1 - (n - recent.length);
    let j = recent.length - 1;
    while (j - 1 >= Math.max(0, second) && recent[j]! - recent[j - 1]! <= riskAfter) j--;
    activeSince = recent[j]!;
  }
  return { ...base, activeSince };
}

/** What central says of a customer's purchases across the chain (this store's included): sales and the last one. */
export interface ChainPurchases {
  visits: number;
  lastPurchaseAt: number | null;
}

/**
 * The facts with the chain's purchases counted: a customer who bought at another store recently is active
 * here too, and visits elsewhere count toward a first purchase becoming repeat custom. Only what the stage
 * reads changes (how many purchases, the last one, and a run of activity that the newer purchase elsewhere
 * extends); the first and second purchase, and the customer's rhythm, stay this store's own.
 */
export function withChainPurchases(rules: LifecycleRules, f: LifecycleFacts, chain: ChainPurchases | null): LifecycleFacts {
  if (chain === null) return f;
  const purchaseCount = Math.max(f.purchaseCount, chain.visits);
  const last = chain.lastPurchaseAt;
  if (last === null || (f.lastPurchaseAt !== null && last <= f.lastPurchaseAt)) return { ...f, purchaseCount };
  // The run of activity goes on through the purchase elsewhere when it came within the risk threshold of this store's last.
  const continues = f.lastPurchaseAt !== null && last - f.lastPurchaseAt <= riskAfterMs(rules, { purchaseCount, medianGapMs: f.medianGapMs });
  const activeSince = purchaseCount < 2 ? null : continues ? (f.activeSince ?? f.lastPurchaseAt) : last;
  return { ...f, purchaseCount, lastPurchaseAt: last, activeSince };
}

/**
 * The stages a customer passed through between two evaluations when only time moved (no purchase):
 * e.g. active → at_risk → dormant if the sweep did not run for a year. Each with its own `since`.
 */
export function timeTransitions(rules: LifecycleRules, f: LifecycleFacts, from: StageAt, at: number): StageAt[] {
  const out: StageAt[] = [];
  const final = stageAt(rules, f, at);
  if (final.stage === from.stage) return out;
  if (final.stage === 'dormant' && (from.stage === 'active' || from.stage === 'first_purchase')) {
    const atRisk = stageAt(rules, f, final.since - 1);
    if (atRisk.stage === 'at_risk') out.push(atRisk);
  }
  out.push(final);
  return out;
}
