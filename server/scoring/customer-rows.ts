import type { CustomerHistory } from './history.ts';
import { BGNBD_UNIT_DAYS, CUSTOMER_FEATURE_COUNT, rfmAt, writeCustomerFeatures } from './customer-features.ts';
import { conditionalExpectedTransactions, probabilityAnyPurchase, type BgNbdParams } from './bgnbd.ts';

/*
 * Rows for the customer models at one as-of time: features plus the BG/NBD offsets for a window of
 * `windowDays` (the label window in training, the full horizon in prediction). Both models predict a correction
 * on top of these offsets: p = σ(margin + logit P_bgnbd(any purchase)), E = exp(margin) · E_bgnbd[X].
 */

export interface CustomerRows {
  ids: string[];
  /** row-major, CUSTOMER_FEATURE_COUNT per row */
  x: Float32Array;
  offsetAny: Float32Array;
  offsetCount: Float32Array;
}

const P_CLIP = 1e-6;
const E_FLOOR = 1e-6;

export function offsetsFor(params: BgNbdParams, history: CustomerHistory, asOf: number, windowDays: number): { any: number; count: number } | null {
  const rfm = rfmAt(history, asOf);
  if (!rfm) return null;
  const t = windowDays / BGNBD_UNIT_DAYS;
  const p = Math.min(1 - P_CLIP, Math.max(P_CLIP, probabilityAnyPurchase(params, t, rfm)));
  // at most one purchase day per day: bounds the offset if the series ever loses precision at extreme parameters
  const raw = conditionalExpectedTransactions(params, t, rfm);
  const e = Number.isFinite(raw) ? Math.min(windowDays, Math.max(E_FLOOR, raw)) : E_FLOOR;
  return { any: Math.log(p / (1 - p)), count: Math.log(e) };
}

export function buildCustomerRows(
  histories: Iterable<CustomerHistory>,
  asOf: number,
  params: BgNbdParams,
  horizonDays: number,
  windowDays: number,
  include: (h: CustomerHistory) => boolean = () => true,
): CustomerRows {
  const list: CustomerHistory[] = [];
  for (const h of histories) if (include(h) && h.baskets.length > 0 && h.baskets[0]!.at <= asOf) list.push(h);
  const x = new Float32Array(list.length * CUSTOMER_FEATURE_COUNT);
  const ids: string[] = [];
  const offA: number[] = [];
  const offC: number[] = [];
  for (const h of list) {
    const off = offsetsFor(params, h, asOf, windowDays);
    // a history whose baskets before asOf are all returns has no purchase: no row
    if (!off || !writeCustomerFeatures(h, asOf, { horizonDays, bgnbd: params }, x, ids.length * CUSTOMER_FEATURE_COUNT)) continue;
    ids.push(h.customerId);
    offA.push(off.any);
    offC.push(off.count);
  }
  return { ids, x: x.subarray(0, ids.length * CUSTOMER_FEATURE_COUNT), offsetAny: Float32Array.from(offA), offsetCount: Float32Array.from(offC) };
}

