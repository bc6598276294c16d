import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { InputError } from '../../kernel/errors.ts';
import { sha256 } from '../../kernel/hash.ts';
import type { CustomerHistory } from '../history.ts';
import { loadOnnxModelWith, readModelJson } from '../onnx-model.ts';
import { customerCandidates, DEFAULT_LIMITS, FEATURE_COUNT, itemContext, RANKER_FEATURES, type CustomerCandidates, type ItemContext } from './candidate-features.ts';
import { computeItemStats } from './item-stats.ts';
import { purchaseSequence } from './purchase-sequence.ts';
import { RANKER_CARD, RANKER_ONNX, type RankerCard } from './ranker-card.ts';
import { reasonFor, type Reason } from './reasons.ts';

/*
 * Serving side of the ranker: candidates and features per customer (only baskets at or before asOf), one ONNX
 * session scoring many customers per run, the top k by score. onnxruntime-node only runs asynchronously, so
 * every entry point returns a Promise.
 *
 * The ranker is item-agnostic: the caller gives the item context (popularity, co-purchase, repeat rates) of
 * the shelves it recommends from — the store's own (scoring/serving/store-item-stats.ts) or the histories a
 * `cli predict` is given (itemsOfHistories) — never the item list of the data the model was trained on. Every
 * candidate is an item of that context or of the customer's own purchases.
 */

export interface Recommendation {
  sku: string;
  /** Raw ranker margin; higher is better. */
  score: number;
  reason: Reason;
}

export interface Recommender {
  readonly card: RankerCard;
  recommend(h: CustomerHistory, asOf: number, k: number, items: ItemContext): Promise<string[]>;
  /** The same list with scores and a reason per item. */
  explain(h: CustomerHistory, asOf: number, k: number, items: ItemContext): Promise<Recommendation[]>;
  /** Many customers per ONNX run; customer id → SKUs best first. */
  recommendMany(histories: Iterable<CustomerHistory>, asOf: number, k: number, items: ItemContext): Promise<Map<string, string[]>>;
  /** Many customers per ONNX run, with scores and reasons (the store's rescoring). */
  explainMany(histories: Iterable<CustomerHistory>, asOf: number, k: number, items: ItemContext): Promise<Map<string, Recommendation[]>>;
  close(): Promise<void>;
}

/** Customers scored per ONNX run: bounds the feature buffer (≈ 150 candidates × 32 floats each). */
const CUSTOMERS_PER_RUN = 2000;

/** Loads the ranker from modelsDir; null when the dir holds no trained ranker (e.g. data without SKUs). */
export async function createRecommender(modelsDir: string): Promise<Recommender | null> {
  const cardPath = join(modelsDir, RANKER_CARD);
  const onnxPath = join(modelsDir, RANKER_ONNX);
  if (!existsSync(cardPath) || !existsSync(onnxPath)) return null;
  const card = readModelJson<RankerCard>(cardPath);
  if (card.status !== 'trained') return null;
  const names = card.features ?? [];
  if (names.length !== FEATURE_COUNT || names.some((n, i) => n !== RANKER_FEATURES[i])) {
    throw new InputError('invalid', `${cardPath}: the ranker was trained on other features than this build computes; retrain it`);
  }
  const onnxBytes = readFileSync(onnxPath);
  // ranker.items.json (the training data's items) is not read: serving recommends from the caller's items.
  if (!card.files || sha256(onnxBytes) !== card.files.onnxSha256) {
    throw new InputError('invalid', `${modelsDir}: ranker files do not match the hashes in ${RANKER_CARD}`);
  }
  const model = await loadOnnxModelWith(onnxPath, FEATURE_COUNT);
  // Candidates as the model was trained on them (a card from before the limits were recorded: the defaults).
  const limits = card.candidateLimits ?? DEFAULT_LIMITS;

  async function rank(histories: readonly CustomerHistory[], asOf: number, k: number, ctx: ItemContext): Promise<Recommendation[][]> {
    const out: Recommendation[][] = [];
    for (let start = 0; start < histories.length; start += CUSTOMERS_PER_RUN) {
      const chunk = histories.slice(start, start + CUSTOMERS_PER_RUN);
      const cands: CustomerCandidates[] = chunk.map((h) => customerCandidates(purchaseSequence(h, asOf), asOf, ctx, limits));
      const rows = cands.reduce((a, c) => a + c.skus.length, 0);
      const x = new Float32Array(rows * FEATURE_COUNT);
      let at = 0;
      for (const c of cands) {
        x.set(c.features, at);
        at += c.features.length;
      }
      // No candidates at all (a store without sales, customers without purchases): nothing to run.
      const scores = rows === 0 ? new Float32Array(0) : await model.run(x, rows);
      let row = 0;
      for (const c of cands) {
        const order = c.skus.map((_, i) => i);
        const base = row;
        order.sort((a, b) => (scores[base + b] as number) - (scores[base + a] as number) || ((c.skus[a] as string) < (c.skus[b] as string) ? -1 : 1));
        out.push(
          order.slice(0, Math.max(0, k)).map((i) => ({
            sku: c.skus[i] as string,
            score: scores[base + i] as number,
            reason: reasonFor(c.features.subarray(i * FEATURE_COUNT, (i + 1) * FEATURE_COUNT), c.partners[i] ?? null),
          })),
        );
        row += c.skus.length;
      }
    }
    return out;
  }

  return {
    card,
    async recommend(h, asOf, k, items) {
      return ((await rank([h], asOf, k, items))[0] ?? []).map((r) => r.sku);
    },
    async explain(h, asOf, k, items) {
      return (await rank([h], asOf, k, items))[0] ?? [];
    },
    async recommendMany(histories, asOf, k, items) {
      const list = [...histories];
      const ranked = await rank(list, asOf, k, items);
      return new Map(list.map((h, i) => [h.customerId, (ranked[i] ?? []).map((r) => r.sku)]));
    },
    async explainMany(histories, asOf, k, items) {
      const list = [...histories];
      const ranked = await rank(list, asOf, k, items);
      return new Map(list.map((h, i) => [h.customerId, ranked[i] ?? []]));
    },
    close: () => model.close(),
  };
}

/**
 * The item context of these histories at asOf (every purchase basket at or before it): what `cli predict`
 * recommends from, so predictions on a store's lines name that store's items. For the histories a model was
 * trained on, it equals the ranker.items.json written beside the model.
 */
export function itemsOfHistories(histories: Iterable<CustomerHistory>, asOf: number): ItemContext {
  return itemContext(computeItemStats([...histories].map((h) => purchaseSequence(h, asOf))));
}
