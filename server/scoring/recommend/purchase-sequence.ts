import type { CustomerHistory } from '../history.ts';

/*
 * What the recommender reads from a history: the purchase baskets at or before the as-of time, each as its
 * distinct SKUs, in time order. Return baskets (and negative lines inside a sale) are not purchases; the SKUs
 * they name are collected so they are never recommended back to that customer.
 */

export interface PurchaseSequence {
  customerId: string;
  /** Epoch ms, ascending, one per basket. */
  times: number[];
  /** Distinct SKUs of each purchase basket; baskets without SKUs are left out. */
  baskets: string[][];
  returned: Set<string>;
}

export function purchaseSequence(h: CustomerHistory, asOf: number): PurchaseSequence {
  const times: number[] = [];
  const baskets: string[][] = [];
  const returned = new Set<string>();
  for (const b of h.baskets) {
    if (b.at > asOf) break; // baskets are ascending by time
    if (b.isReturn) {
      for (const it of b.items) returned.add(it.sku);
      continue;
    }
    const skus = new Set<string>();
    for (const it of b.items) {
      if (it.quantityMilli < 0) returned.add(it.sku);
      else skus.add(it.sku);
    }
    if (skus.size === 0) continue;
    times.push(b.at);
    baskets.push([...skus]);
  }
  return { customerId: h.customerId, times, baskets, returned };
}

/** The sequence without its last `n` baskets (used to hold out a customer's latest baskets as labels). */
export function dropLastBaskets(s: PurchaseSequence, n: number): PurchaseSequence {
  const keep = Math.max(0, s.baskets.length - n);
  return { customerId: s.customerId, times: s.times.slice(0, keep), baskets: s.baskets.slice(0, keep), returned: s.returned };
}

/** True when any history has at least one SKU on a purchase line (CDNOW has none). */
export function historiesHaveSkus(histories: Iterable<CustomerHistory>): boolean {
  for (const h of histories) for (const b of h.baskets) if (!b.isReturn && b.items.length > 0) return true;
  return false;
}
