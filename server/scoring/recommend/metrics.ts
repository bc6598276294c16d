/*
 * Next-basket metrics as defined in the TIFU-KNN paper and "A Next Basket Recommendation Reality Check":
 * Recall@K = |top-K ∩ basket| / |basket|; NDCG@K with gains 1 for hits at rank r (DCG term 1/log2(r+1)) and the
 * ideal DCG over min(K, |basket|) hits. Both are 0 for an empty truth basket (such users are normally skipped).
 */

export function recallAtK(recommended: readonly string[], truth: ReadonlySet<string>, k: number): number {
  if (truth.size === 0) return 0;
  return hitsInTopK(recommended, truth, k) / truth.size;
}

export function ndcgAtK(recommended: readonly string[], truth: ReadonlySet<string>, k: number): number {
  if (truth.size === 0) return 0;
  let dcg = 0;
  const seen = new Set<string>();
  const n = Math.min(k, recommended.length);
  for (let r = 0; r < n; r++) {
    const sku = recommended[r] as string;
    if (seen.has(sku)) continue; // a duplicate recommendation earns nothing twice
    seen.add(sku);
    if (truth.has(sku)) dcg += 1 / Math.log2(r + 2);
  }
  let idcg = 0;
  for (let r = 0; r < Math.min(k, truth.size); r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

function hitsInTopK(recommended: readonly string[], truth: ReadonlySet<string>, k: number): number {
  const top = new Set(recommended.slice(0, k));
  let hits = 0;
  for (const sku of top) if (truth.has(sku)) hits += 1;
  return hits;
}

export interface NextBasketScores {
  users: number;
  recall: number;
  ndcg: number;
}

/** Averages Recall@K and NDCG@K over the users that have a truth basket; users without recommendations score 0. */
export function scoreNextBaskets(
  recommendations: ReadonlyMap<string, readonly string[]>,
  truths: ReadonlyMap<string, ReadonlySet<string>>,
  k: number,
): NextBasketScores {
  let recall = 0;
  let ndcg = 0;
  let users = 0;
  for (const [customerId, truth] of truths) {
    if (truth.size === 0) continue;
    const rec = recommendations.get(customerId) ?? [];
    recall += recallAtK(rec, truth, k);
    ndcg += ndcgAtK(rec, truth, k);
    users += 1;
  }
  return users === 0 ? { users, recall: 0, ndcg: 0 } : { users, recall: recall / users, ndcg: ndcg / users };
}
