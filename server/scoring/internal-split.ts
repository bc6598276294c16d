import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../kernel/errors.ts';
import type { CustomerHistory } from './history.ts';
import { DAY_MS, purchaseDaysBetween } from './customer-features.ts';
import { meanAbsoluteError, rocAuc } from './binary-metrics.ts';
import { CANDIDATE_KINDS, type CandidateKind, chooseCandidate } from './customer-candidates.ts';
import { dataSpan, type FitCandidatesOptions, fitCustomerCandidates, manifestFor } from './customer-candidate-fit.ts';
import { CUSTOMER_MODEL_NAMES, CUSTOMER_MODELS_FILE, type CustomerModelName } from './customer-models-manifest.ts';
import { loadCustomerScorer } from './customer-scorer.ts';

/*
 * How `train` chooses what each target serves: on an internal time split of the data it is given. The candidates
 * are fitted on what was known at the split (the as-of minus the split's window) exactly as they are fitted at
 * the as-of, predict the split's window, and are measured on what the customers then did, up to the as-of:
 * AUC of "bought in the window" for p_purchase, MAE of the purchase days in it for expected_purchases.
 * Nothing after the as-of is read. The winner is refitted on all the data by the caller.
 */

/** Without a usable comparison, BG/NBD: the strong baseline the issue measures everything against. */
export const NO_EVIDENCE_CHOICE: CandidateKind = 'bgnbd';

export interface InternalSplit {
  /** Candidates are fitted on baskets at or before this instant (epoch ms). */
  at: number;
  /** The validation window (at, at + horizonDays], which ends at the as-of. */
  horizonDays: number;
}

/**
 * The window is the horizon where the data allows; when the history before the as-of is shorter than two
 * horizons it is half that history (whole days), so the candidates at the split keep at least as much history
 * as they are asked to predict. A window shorter than a day is no split.
 */
export function internalSplit(asOf: number, dataStart: number, horizonDays: number): InternalSplit | null {
  const spanDays = Math.floor((asOf - dataStart) / DAY_MS);
  const days = Math.min(horizonDays, Math.floor(spanDays / 2));
  return days >= 1 ? { at: asOf - days * DAY_MS, horizonDays: days } : null;
}

export interface CandidateComparison {
  metric: 'auc' | 'mae';
  better: 'higher' | 'lower';
  /** Per candidate on the split; null where it could not be measured. */
  candidates: Record<CandidateKind, number | null>;
  chosen: CandidateKind;
  why: string;
}

export interface SplitSelection {
  rule: string;
  split: { train_until: string; validation_end: string; horizon_days: number; customers: number; buyers: number; purchase_days: number } | null;
  /** Why there is no comparison (too little history, one class only, a candidate that could not be fitted). */
  note?: string;
  p_purchase: CandidateComparison;
  expected_purchases: CandidateComparison;
}

export const SELECTION_RULE =
  'Candidates fitted on the data up to as-of − W, measured on (as-of − W, as-of], where W is the horizon, or half the ' +
  'history before the as-of when that is shorter; p_purchase by AUC (highest wins), expected_purchases by MAE ' +
  '(lowest wins); on a tie the simpler candidate (baseline < bgnbd < learned < blend); without a usable ' +
  `comparison ${NO_EVIDENCE_CHOICE}. The winner is then refitted on all the data up to the as-of.`;

const noMetrics = (): Record<CandidateKind, number | null> => ({ baseline: null, bgnbd: null, learned: null, blend: null });

function compare(name: CustomerModelName, metrics: Record<CandidateKind, number | null>): CandidateComparison {
  const metric = name === 'p_purchase' ? 'auc' : 'mae';
  const better = name === 'p_purchase' ? 'higher' : 'lower';
  const winner = chooseCandidate(metrics, better);
  return {
    metric,
    better,
    candidates: metrics,
    chosen: winner ?? NO_EVIDENCE_CHOICE,
    why: winner ? `${better === 'higher' ? 'highest' : 'lowest'} ${metric.toUpperCase()} on the internal split` : `no candidate could be measured: ${NO_EVIDENCE_CHOICE}`,
  };
}

function withoutEvidence(note: string): SplitSelection {
  return { rule: SELECTION_RULE, split: null, note, p_purchase: compare('p_purchase', noMetrics()), expected_purchases: compare('expected_purchases', noMetrics()) };
}

/** Baskets at or before `at` only; customers without one are left out. */
function historiesUntil(histories: Map<string, CustomerHistory>, at: number): Map<string, CustomerHistory> {
  const known = new Map<string, CustomerHistory>();
  for (const [id, h] of histories) {
    const baskets = h.baskets.filter((b) => b.at <= at);
    if (baskets.length > 0) known.set(id, { customerId: h.customerId, baskets });
  }
  return known;
}

export async function selectOnInternalSplit(histories: Map<string, CustomerHistory>, asOf: number, opts: FitCandidatesOptions): Promise<SplitSelection> {
  const log = opts.log ?? (() => {});
  const span = dataSpan(histories.values());
  if (span.customers === 0) return withoutEvidence('no purchases');
  const split = internalSplit(asOf, span.start, opts.horizonDays);
  if (!split) return withoutEvidence('less than two days of history: no internal split');
  const known = historiesUntil(histories, split.at);
  const dir = mkdtempSync(join(tmpdir(), 'customer-split-'));
  try {
    const t0 = performance.now();
    let fitted;
    try {
      fitted = await fitCustomerCandidates(known, split.at, dir, CUSTOMER_MODEL_NAMES, { ...opts, horizonDays: split.horizonDays, log: () => {} });
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      return withoutEvidence(`the candidates could not be fitted at the split (${error.message})`);
    }
    writeFileSync(join(dir, CUSTOMER_MODELS_FILE), JSON.stringify(manifestFor(fitted, split.at, split.horizonDays, { p_purchase: 'learned', expected_purchases: 'learned' })));
    const scorer = await loadCustomerScorer(dir);
    let scores;
    try {
      scores = await scorer.scoreCandidates(known.values(), split.at);
    } finally {
      await scorer.close();
    }
    const end = split.at + split.horizonDays * DAY_MS;
    const actual = scores.ids.map((id) => purchaseDaysBetween(histories.get(id)!, split.at, end));
    const bought = actual.map((a) => a > 0);
    const buyers = bought.filter(Boolean).length;
    const auc = noMetrics();
    const mae = noMetrics();
    for (const kind of CANDIDATE_KINDS) {
      const p = scores.p_purchase[kind];
      const e = scores.expected_purchases[kind];
      const a = p ? rocAuc(p, bought) : Number.NaN;
      auc[kind] = Number.isFinite(a) ? a : null;
      mae[kind] = e && e.length > 0 ? meanAbsoluteError(e, actual) : null;
    }
    const selection: SplitSelection = {
      rule: SELECTION_RULE,
      split: {
        train_until: new Date(split.at).toISOString(),
        validation_end: new Date(end).toISOString(),
        horizon_days: split.horizonDays,
        customers: scores.ids.length,
        buyers,
        purchase_days: actual.reduce((s, v) => s + v, 0),
      },
      p_purchase: compare('p_purchase', auc),
      expected_purchases: compare('expected_purchases', mae),
    };
    if (buyers === 0 || buyers === scores.ids.length) selection.note = 'every customer or none bought in the split window: AUC cannot be measured';
    const fmt = (c: CandidateComparison) => CANDIDATE_KINDS.map((k) => `${k} ${c.candidates[k]?.toFixed(4) ?? '–'}`).join(', ');
    log(`internal split at ${selection.split!.train_until} (${split.horizonDays} days) in ${Math.round(performance.now() - t0)} ms`);
    log(`  p_purchase AUC: ${fmt(selection.p_purchase)} → ${selection.p_purchase.chosen}`);
    log(`  expected_purchases MAE: ${fmt(selection.expected_purchases)} → ${selection.expected_purchases.chosen}`);
    return selection;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What training records: the split's comparison, or the candidates a caller fixed. */
export type SelectionRecord = SplitSelection | { rule: string; split: null; served: Record<CustomerModelName, CandidateKind> };
