import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../kernel/errors.ts';
import type { CustomerHistory } from './history.ts';
import { CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES } from './customer-features.ts';
import { isBgNbdParams } from './bgnbd.ts';
import { buildCustomerRows } from './customer-rows.ts';
import { baselineExpected, baselinePPurchase, blend, type CandidateKind, isCandidateKind, needsLearned } from './customer-candidates.ts';
import { CUSTOMER_MODEL_NAMES, CUSTOMER_MODELS_FILE, type CustomerModelName, type CustomerModelsManifest, servedKind } from './customer-models-manifest.ts';
import { applyLink, loadOnnxModelWith, type OnnxModel, readModelJson } from './onnx-model.ts';

/*
 * The customer models from a models dir: p_purchase and expected_purchases at the model's horizon, each from the
 * candidate the manifest names (chosen at training time on the internal split). BG/NBD's parameters fitted at
 * training time give the offset of the learned correction, as in training.
 */

export interface CustomerScore {
  customerId: string;
  pPurchase: number;
  expectedPurchases: number;
}

/** Per candidate, one value per customer in `ids` order; null where the set cannot compute that candidate. */
export interface CandidateScores {
  ids: string[];
  p_purchase: Record<CandidateKind, Float64Array | null>;
  expected_purchases: Record<CandidateKind, Float64Array | null>;
}

export interface CustomerScorer {
  manifest: CustomerModelsManifest;
  /** The served candidate of each target. */
  served: Record<CustomerModelName, CandidateKind>;
  score(histories: Iterable<CustomerHistory>, asOf: number): Promise<CustomerScore[]>;
  /** Every candidate this set can compute (the learned ones only where its ONNX file is in the set). */
  scoreCandidates(histories: Iterable<CustomerHistory>, asOf: number): Promise<CandidateScores>;
  close(): Promise<void>;
}

function readManifest(modelsDir: string): CustomerModelsManifest {
  const path = join(modelsDir, CUSTOMER_MODELS_FILE);
  if (!existsSync(path)) throw new InputError('not_found', `no customer models in ${modelsDir} (missing ${CUSTOMER_MODELS_FILE}); run cli train first`);
  const manifest = readModelJson<CustomerModelsManifest>(path);
  if (manifest.kind !== 'customer-models' || !isBgNbdParams(manifest.bgnbd)) throw new InputError('invalid', `${path} is not a customer models manifest`);
  if (!Array.isArray(manifest.feature_names) || manifest.feature_names.join(',') !== CUSTOMER_FEATURE_NAMES.join(',')) {
    throw new InputError('invalid', `models in ${modelsDir} were trained on other features; retrain them`);
  }
  for (const name of CUSTOMER_MODEL_NAMES) {
    const entry = manifest.models?.[name];
    if (!entry || (entry.served !== undefined && !isCandidateKind(entry.served))) throw new InputError('invalid', `${path}: ${name} names no known candidate`);
    if (needsLearned(servedKind(entry)) && !entry.onnx) throw new InputError('invalid', `${path}: ${name} serves ${servedKind(entry)} but names no ONNX model`);
    if (servedKind(entry) === 'baseline' && !manifest.baseline) throw new InputError('invalid', `${path}: ${name} serves the baseline but has no baseline parameters`);
  }
  return manifest;
}

async function loadLearned(modelsDir: string, manifest: CustomerModelsManifest): Promise<Record<CustomerModelName, OnnxModel | null>> {
  const loaded: OnnxModel[] = [];
  const load = async (name: CustomerModelName) => {
    const file = manifest.models[name].onnx;
    if (!file) return null;
    const model = await loadOnnxModelWith(join(modelsDir, file), CUSTOMER_FEATURE_COUNT);
    loaded.push(model);
    return model;
  };
  try {
    return { p_purchase: await load('p_purchase'), expected_purchases: await load('expected_purchases') };
  } catch (error) {
    await Promise.all(loaded.map((m) => m.close()));
    throw error;
  }
}

const emptyCandidates = (): Record<CandidateKind, Float64Array | null> => ({ baseline: null, bgnbd: null, learned: null, blend: null });

export async function loadCustomerScorer(modelsDir: string): Promise<CustomerScorer> {
  const manifest = readManifest(modelsDir);
  const learned = await loadLearned(modelsDir, manifest);
  const H = manifest.horizon_days;
  const served = { p_purchase: servedKind(manifest.models.p_purchase), expected_purchases: servedKind(manifest.models.expected_purchases) };

  async function scoreCandidates(histories: Iterable<CustomerHistory>, asOf: number): Promise<CandidateScores> {
    const rows = buildCustomerRows(histories, asOf, manifest.bgnbd, H, H);
    const n = rows.ids.length;
    const [pm, em] = await Promise.all([learned.p_purchase?.run(rows.x, n) ?? null, learned.expected_purchases?.run(rows.x, n) ?? null]);
    const out: CandidateScores = { ids: rows.ids, p_purchase: emptyCandidates(), expected_purchases: emptyCandidates() };
    const p = out.p_purchase;
    const e = out.expected_purchases;
    p.bgnbd = Float64Array.from(rows.offsetAny, (v) => applyLink('logistic', v));
    e.bgnbd = Float64Array.from(rows.offsetCount, (v) => applyLink('exp', v));
    const baseline = manifest.baseline;
    if (baseline) {
      p.baseline = Float64Array.from(rows.ids, (_, i) => baselinePPurchase(baseline, rows, i));
      e.baseline = Float64Array.from(rows.ids, (_, i) => baselineExpected(baseline, rows, i, H));
    }
    if (pm) {
      p.learned = Float64Array.from(rows.ids, (_, i) => applyLink('logistic', pm[i]! + rows.offsetAny[i]!));
      p.blend = p.learned.map((v, i) => blend(p.bgnbd![i]!, v));
    }
    if (em) {
      e.learned = Float64Array.from(rows.ids, (_, i) => applyLink('exp', em[i]! + rows.offsetCount[i]!));
      e.blend = e.learned.map((v, i) => blend(e.bgnbd![i]!, v));
    }
    return out;
  }

  return {
    manifest,
    served,
    scoreCandidates,
    async score(histories, asOf) {
      const all = await scoreCandidates(histories, asOf);
      // readManifest checked that the served candidates can be computed
      const p = all.p_purchase[served.p_purchase]!;
      const e = all.expected_purchases[served.expected_purchases]!;
      return all.ids.map((customerId, i) => ({ customerId, pPurchase: p[i]!, expectedPurchases: e[i]! }));
    },
    async close() {
      await Promise.all([learned.p_purchase?.close(), learned.expected_purchases?.close()]);
    },
  };
}

