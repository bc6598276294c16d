import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../kernel/errors.ts';
import type { CustomerHistory } from './history.ts';
import { CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES } from './customer-features.ts';
import { isBgNbdParams } from './bgnbd.ts';
import { buildCustomerRows } from './customer-rows.ts';
import { CUSTOMER_MODELS_FILE, type CustomerModelsManifest } from './customer-training.ts';
import { applyLink, loadOnnxModelWith, readModelJson } from './onnx-model.ts';

/*
 * The trained customer models from a models dir: p_purchase and expected_purchases at the model's horizon,
 * with BG/NBD (parameters fitted at training time) as the offset, as in training.
 */

export interface CustomerScore {
  customerId: string;
  pPurchase: number;
  expectedPurchases: number;
}

export interface CustomerScorer {
  manifest: CustomerModelsManifest;
  score(histories: Iterable<CustomerHistory>, asOf: number): Promise<CustomerScore[]>;
  close(): Promise<void>;
}

export async function loadCustomerScorer(modelsDir: string): Promise<CustomerScorer> {
  const path = join(modelsDir, CUSTOMER_MODELS_FILE);
  if (!existsSync(path)) throw new InputError('not_found', `no customer models in ${modelsDir} (missing ${CUSTOMER_MODELS_FILE}); run cli train first`);
  const manifest = readModelJson<CustomerModelsManifest>(path);
  if (manifest.kind !== 'customer-models' || !isBgNbdParams(manifest.bgnbd)) throw new InputError('invalid', `${path} is not a customer models manifest`);
  if (!Array.isArray(manifest.feature_names) || manifest.feature_names.join(',') !== CUSTOMER_FEATURE_NAMES.join(',')) {
    throw new InputError('invalid', `models in ${modelsDir} were trained on other features; retrain them`);
  }
  const pModel = await loadOnnxModelWith(join(modelsDir, manifest.models.p_purchase.onnx), CUSTOMER_FEATURE_COUNT);
  const eModel = await loadOnnxModelWith(join(modelsDir, manifest.models.expected_purchases.onnx), CUSTOMER_FEATURE_COUNT).catch(async (error: unknown) => {
    await pModel.close();
    throw error;
  });
  const H = manifest.horizon_days;
  return {
    manifest,
    async score(histories, asOf) {
      const rows = buildCustomerRows(histories, asOf, manifest.bgnbd, H, H);
      const n = rows.ids.length;
      const [pm, em] = await Promise.all([pModel.run(rows.x, n), eModel.run(rows.x, n)]);
      return rows.ids.map((customerId, i) => ({
        customerId,
        pPurchase: applyLink('logistic', pm[i]! + rows.offsetAny[i]!),
        expectedPurchases: applyLink('exp', em[i]! + rows.offsetCount[i]!),
      }));
    },
    async close() {
      await Promise.all([pModel.close(), eModel.close()]);
    },
  };
}
