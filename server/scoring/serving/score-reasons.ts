import { DAY_MS } from '../../kernel/clock.ts';
import { median } from '../../kernel/numbers.ts';
import type { CustomerHistory } from '../history.ts';

/*
 * Reason codes for a customer's scores, in words an associate can say at the counter. They describe the
 * facts the models weigh most (rhythm, recency, trend, returns), read from the same history the model
 * scored, so the words never contradict the numbers' inputs.
 */

export interface ScoreReason {
  code: 'regular_rhythm' | 'overdue' | 'single_purchase' | 'slowing' | 'picking_up' | 'recent_return' | 'likely_to_buy' | 'likely_lapsing';
  text: string;
}

/** Distinct purchase days (sales only), ascending, as UTC epoch days: a rhythm in whole days, close enough for words. */
function purchaseDays(history: CustomerHistory, asOf: number): number[] {
  const days = new Set<number>();
  for (const b of history.baskets) if (!b.isReturn && b.at <= asOf) days.add(Math.floor(b.at / DAY_MS));
  return [...days].sort((a, b) => a - b);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

export function scoreReasons(history: CustomerHistory, asOf: number, score: { pPurchase: number; horizonDays: number }): ScoreReason[] {
  const reasons: ScoreReason[] = [];
  const days = purchaseDays(history, asOf);
  const today = Math.floor(asOf / DAY_MS);
  const last = days[days.length - 1];
  if (last === undefined) return reasons;
  const since = today - last;
  if (days.length === 1) {
    reasons.push({ code: 'single_purchase', text: `bought once, ${plural(since, 'day')} ago` });
  } else {
    const gap = Math.max(1, Math.round(median(days.slice(1).map((d, i) => d - days[i]!))));
    const rhythm = `usually buys every ${plural(gap, 'day')}; last visit ${plural(since, 'day')} ago`;
    if (days.length >= 3 && since > 2 * gap) reasons.push({ code: 'overdue', text: `${rhythm} (overdue)` });
    else if (days.length >= 3) reasons.push({ code: 'regular_rhythm', text: rhythm });
    else reasons.push({ code: 'regular_rhythm', text: `bought ${plural(days.length, 'time')}; last visit ${plural(since, 'day')} ago` });
    const recent = days.filter((d) => d > today - 90).length;
    const before = days.filter((d) => d > today - 180 && d <= today - 90).length;
    if (before >= 2 && recent * 2 <= before) reasons.push({ code: 'slowing', text: `visits slowing: ${recent} in the last 90 days, ${before} in the 90 before` });
    else if (recent >= 2 && recent >= 2 * Math.max(1, before)) reasons.push({ code: 'picking_up', text: `visits picking up: ${recent} in the last 90 days, ${before} in the 90 before` });
  }
  const lastReturn = [...history.baskets].reverse().find((b) => b.isReturn && b.at <= asOf);
  if (lastReturn && asOf - lastReturn.at <= 30 * DAY_MS) {
    reasons.push({ code: 'recent_return', text: `returned something ${plural(Math.floor((asOf - lastReturn.at) / DAY_MS), 'day')} ago` });
  }
  const pct = Math.round(score.pPurchase * 100);
  const window = score.horizonDays % 7 === 0 ? plural(score.horizonDays / 7, 'week') : plural(score.horizonDays, 'day');
  if (score.pPurchase >= 0.6) reasons.push({ code: 'likely_to_buy', text: `${pct}% likely to buy in the next ${window}` });
  else if (score.pPurchase < 0.3) reasons.push({ code: 'likely_lapsing', text: `only ${pct}% likely to buy in the next ${window}` });
  return reasons;
}
