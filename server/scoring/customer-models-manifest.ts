import type { BgNbdParams } from './bgnbd.ts';
import type { BaselineParams, CandidateKind } from './customer-candidates.ts';

/*
 * customer-models.json: what a customer model set serves. Written by training, read by serving; each target
 * names the candidate it serves (chosen on the internal split, see the model cards' `selection`).
 */

export const CUSTOMER_MODELS_FILE = 'customer-models.json';
export const CUSTOMER_MODEL_NAMES = ['p_purchase', 'expected_purchases'] as const;
export type CustomerModelName = (typeof CUSTOMER_MODEL_NAMES)[number];

export interface CustomerModelEntry {
  /** The candidate served. Sets written before the choice existed (version 1) carry none: they serve 'learned'. */
  served?: CandidateKind;
  /** The xgboost correction; null when the served candidate does not use it (no ONNX file then). */
  onnx: string | null;
  card: string;
  link: 'logistic' | 'exp';
  offset: 'bgnbd_logit_p_any' | 'bgnbd_log_expected';
}

export interface CustomerModelsManifest {
  kind: 'customer-models';
  version: 1 | 2;
  as_of: string;
  horizon_days: number;
  feature_names: string[];
  bgnbd: BgNbdParams & { ll: number; n: number; unit_days: number };
  /** Present from version 2 on. */
  baseline?: BaselineParams;
  models: Record<CustomerModelName, CustomerModelEntry>;
}

export function servedKind(entry: CustomerModelEntry): CandidateKind {
  return entry.served ?? 'learned';
}
