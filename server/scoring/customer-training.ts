import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, systemClock } from '../kernel/clock.ts';
import type { CustomerHistory } from './history.ts';
import { CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES } from './customer-features.ts';
import { BLEND_LEARNED_WEIGHT, type CandidateKind, needsLearned } from './customer-candidates.ts';
import { type FitCandidatesOptions, fitCustomerCandidates, manifestFor, MIN_WINDOW_SHARE } from './customer-candidate-fit.ts';
import { CUSTOMER_MODEL_NAMES, CUSTOMER_MODELS_FILE, type CustomerModelName } from './customer-models-manifest.ts';
import { type SelectionRecord, selectOnInternalSplit } from './internal-split.ts';

export { CUSTOMER_MODEL_NAMES, CUSTOMER_MODELS_FILE, type CustomerModelName, type CustomerModelsManifest } from './customer-models-manifest.ts';
export { idFold, MIN_WINDOW_SHARE, snapshotTimes } from './customer-candidate-fit.ts';

/*
 * Training of the customer models: per target, the candidate that wins on an internal time split of the data
 * (internal-split.ts) is refitted on all the data up to the as-of and served; the cards record the comparison.
 */

export interface TrainCustomerOptions extends FitCandidatesOptions {
  /** Serve these candidates without the internal split (tuning runs that study one candidate). */
  served?: Record<CustomerModelName, CandidateKind>;
  /** Stamps the model cards' created_at. */
  clock?: Clock;
}

function predictionOf(name: CustomerModelName, kind: CandidateKind): string {
  const p = name === 'p_purchase';
  const bg = p ? 'P_bgnbd(any purchase within the horizon)' : 'E_bgnbd[purchases within the horizon]';
  const learned = p ? 'sigmoid(margin + logit(P_bgnbd(any purchase within the horizon)))' : 'exp(margin) × E_bgnbd[purchases within the horizon]';
  switch (kind) {
    case 'baseline':
      return p ? 'sigmoid(baseline.recency.intercept + baseline.recency.slope × ln(1 + recency_days))' : 'baseline.rate.scale × horizon_days × frequency / max(1, tenure_days)';
    case 'bgnbd':
      return bg;
    case 'learned':
      return learned;
    case 'blend':
      return `${1 - BLEND_LEARNED_WEIGHT} × ${bg} + ${BLEND_LEARNED_WEIGHT} × ${learned}`;
  }
}

export async function trainCustomerModels(histories: Map<string, CustomerHistory>, asOf: number, outDir: string, opts: TrainCustomerOptions) {
  const log = opts.log ?? (() => {});
  const H = opts.horizonDays;
  const t0 = performance.now();
  const selection: SelectionRecord = opts.served
    ? { rule: 'given by the caller (no internal split)', split: null, served: opts.served }
    : await selectOnInternalSplit(histories, asOf, opts);
  const served: Record<CustomerModelName, CandidateKind> =
    'served' in selection ? selection.served : { p_purchase: selection.p_purchase.chosen, expected_purchases: selection.expected_purchases.chosen };
  const learnedTargets = CUSTOMER_MODEL_NAMES.filter((name) => needsLearned(served[name]));
  mkdirSync(outDir, { recursive: true });
  const fitted = await fitCustomerCandidates(histories, asOf, outDir, learnedTargets, opts);
  log(`customer models refitted at the as-of (serving p_purchase: ${served.p_purchase}, expected_purchases: ${served.expected_purchases}) in ${Math.round(performance.now() - t0)} ms`);
  const manifest = manifestFor(fitted, asOf, H, served);
  for (const name of CUSTOMER_MODEL_NAMES) {
    const learned = fitted.learned[name];
    // a set written into a reused directory never keeps a stale correction beside a card that does not use it
    if (!learned) rmSync(join(outDir, `${name}.onnx`), { force: true });
    const card = {
      model: name,
      target: name === 'p_purchase' ? `P(at least one purchase within ${H} days after the as-of time); churn risk = 1 − p` : `expected purchase days within ${H} days after the as-of time`,
      created_at: new Date((opts.clock ?? systemClock)()).toISOString(),
      as_of: manifest.as_of,
      horizon_days: H,
      training_data_span: { first_basket: new Date(fitted.dataStart).toISOString(), last_basket: new Date(fitted.dataEnd).toISOString(), customers: fitted.customers },
      served: served[name],
      prediction: predictionOf(name, served[name]),
      selection: 'served' in selection ? { rule: selection.rule } : { rule: selection.rule, split: selection.split, ...(selection.note ? { note: selection.note } : {}), ...selection[name] },
      feature_names: [...CUSTOMER_FEATURE_NAMES],
      features_unused: opts.dropFeatures ?? [],
      bgnbd_at_as_of: manifest.bgnbd,
      baseline: manifest.baseline,
      snapshots: fitted.snapshots,
      ...(learned
        ? {
            input: `float32 [N, ${CUSTOMER_FEATURE_COUNT}] in feature_names order, NaN = missing (server/scoring/customer-features.ts)`,
            output: 'raw margin [N, 1] without the offset',
            method:
              'xgboost on snapshots before the as-of time; each snapshot labelled over min(horizon, time left to the as-of); ' +
              "BG/NBD's prediction for that same label window is the base_margin, so the trees learn a window-free correction to BG/NBD; " +
              'snapshots with the full horizon as label window when at least three exist, otherwise also truncated windows down to ' +
              `${MIN_WINDOW_SHARE} × horizon (shorter ones did worse on an internal split of the training period); ` +
              'early stopping on 20% of customers (by id hash), then a refit on all.',
            xgboost: { params: fitted.xgbParams, ...learned.report },
            metrics: { internal_validation: learned.report },
            onnx_parity_max_abs: learned.parity,
            onnx_sha256: learned.sha256,
          }
        : { metrics: {}, onnx: null }),
    };
    writeFileSync(join(outDir, `${name}.card.json`), `${JSON.stringify(card, null, 2)}\n`);
  }
  writeFileSync(join(outDir, CUSTOMER_MODELS_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return {
    manifest,
    selection,
    report: { p_purchase: fitted.learned.p_purchase?.report ?? null, expected_purchases: fitted.learned.expected_purchases?.report ?? null },
    snapshots: fitted.snapshots,
    rows: fitted.rows,
  };
}

