import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../kernel/errors.ts';
import { sha256 } from '../../kernel/hash.ts';
import type { CustomerHistory } from '../history.ts';
import { runTrainingScript } from '../training-python.ts';
import { globalTopFrequent, personalThenGlobalTopFrequent, personalTopFrequent } from './baselines.ts';
import { DEFAULT_LIMITS, FEATURE_COUNT, RANKER_FEATURES } from './candidate-features.ts';
import { computeItemStats } from './item-stats.ts';
import { scoreNextBaskets } from './metrics.ts';
import { historiesHaveSkus, purchaseSequence } from './purchase-sequence.ts';
import { RANKER_CARD, RANKER_ITEMS, RANKER_ONNX, type RankerCard } from './ranker-card.ts';
import { rowsFor, trainingSnapshot, writeRowSet } from './training-rows.ts';

/*
 * Trains the next-basket ranker from histories at or before `asOf` and writes ranker.onnx, ranker.items.json
 * (the item statistics serving reads, from all baskets up to asOf) and ranker.card.json into outDir.
 */

/** Share of negative candidate rows kept for training (all positives are kept); ranking is unaffected by the shift. */
const NEGATIVE_RATE = 0.25;
const OBJECTIVE = 'binary:logistic';
const MIN_POSITIVE_ROWS = 20;
const K = 10;

export async function trainRanker(histories: Map<string, CustomerHistory>, asOf: number, outDir: string): Promise<RankerCard> {
  const t0 = performance.now();
  const asOfIso = new Date(asOf).toISOString();
  if (!historiesHaveSkus(histories.values())) {
    return { model: 'next-basket-ranker', status: 'skipped', reason: 'the data has no SKUs: nothing to recommend', asOf: asOfIso };
  }
  const seconds: Record<string, number> = {};
  let lap = performance.now();
  const mark = (phase: string) => {
    const now = performance.now();
    seconds[phase] = Math.round((now - lap) / 100) / 10;
    lap = now;
  };
  const snap = trainingSnapshot(histories, asOf);
  mark('snapshot');
  if (snap.valid.length === 0 && snap.train.length > 1) snap.valid.push(snap.train.pop() as (typeof snap.train)[number]);
  const train = rowsFor(snap.train, snap.ctx, { negativeRate: NEGATIVE_RATE, dropEmpty: true });
  const positives = train.labels.reduce((a, b) => a + b, 0);
  if (positives < MIN_POSITIVE_ROWS || snap.valid.length === 0) {
    return {
      model: 'next-basket-ranker',
      status: 'skipped',
      reason: `too little repeat data to train a ranker (${positives} positive candidate rows, need ${MIN_POSITIVE_ROWS})`,
      asOf: asOfIso,
    };
  }
  const valid = rowsFor(snap.valid, snap.ctx);
  mark('rows');

  const work = mkdtempSync(join(tmpdir(), 'ranker-'));
  try {
    writeRowSet(work, 'train', train);
    writeRowSet(work, 'valid', valid);
    mkdirSync(outDir, { recursive: true });
    const stdout = runTrainingScript('ranker/train_ranker.py', ['--data', work, '--features', String(FEATURE_COUNT), '--out', work, '--objective', OBJECTIVE]);
    const fit = parseFit(stdout);
    mark('fit');
    const onnx = readFileSync(join(work, RANKER_ONNX));
    writeFileSync(join(outDir, RANKER_ONNX), onnx);

    // Serving statistics see every basket up to asOf (the held-out labels included).
    const all = [...histories.values()].map((h) => purchaseSequence(h, asOf));
    const items = Buffer.from(JSON.stringify(computeItemStats(all)));
    writeFileSync(join(outDir, RANKER_ITEMS), items);
    mark('itemStats');

    const truths = new Map(snap.valid.map((c) => [c.history.customerId, c.truth]));
    const globalTop = globalTopFrequent(snap.histories, 100);
    const pTop = scoreNextBaskets(new Map(snap.valid.map((c) => [c.history.customerId, personalTopFrequent(c.history, K)])), truths, K);
    const gpTop = scoreNextBaskets(new Map(snap.valid.map((c) => [c.history.customerId, personalThenGlobalTopFrequent(c.history, globalTop, K)])), truths, K);
    const card: RankerCard = {
      model: 'next-basket-ranker',
      status: 'trained',
      asOf: asOfIso,
      dataSpan: { from: new Date(snap.spanFrom).toISOString(), to: new Date(snap.spanTo).toISOString() },
      customers: all.filter((s) => s.baskets.length > 0).length,
      items: snap.stats.skus.length,
      features: [...RANKER_FEATURES],
      objective: fit.objective,
      link: fit.link,
      trees: fit.trees,
      candidateLimits: { ...DEFAULT_LIMITS },
      internalValidation: {
        customers: snap.valid.length,
        k: K,
        ranker: { recall: fit.valid['recall@10'], ndcg: fit.valid['ndcg@10'] },
        baselines: { pTopFreq: { recall: pTop.recall, ndcg: pTop.ndcg }, gpTopFreq: { recall: gpTop.recall, ndcg: gpTop.ndcg } },
      },
      trainRows: train.rows,
      files: { onnx: RANKER_ONNX, onnxSha256: sha256(onnx), items: RANKER_ITEMS, itemsSha256: sha256(items) },
      trainSeconds: Math.round((performance.now() - t0) / 100) / 10,
      phaseSeconds: seconds,
    };
    writeFileSync(join(outDir, RANKER_CARD), `${JSON.stringify(card, null, 2)}\n`);
    return card;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

interface FitSummary {
  objective: string;
  link: 'identity' | 'logistic' | 'exp';
  trees: number;
  valid: { 'recall@10': number; 'ndcg@10': number };
}

function parseFit(stdout: string): FitSummary {
  try {
    const fit = JSON.parse(stdout.trim().split('\n').pop() ?? '') as FitSummary;
    if (typeof fit.trees !== 'number' || typeof fit.valid?.['recall@10'] !== 'number') throw new Error('missing fields');
    return fit;
  } catch (error) {
    throw new InputError('failed', `train_ranker.py printed no summary: ${error instanceof Error ? error.message : String(error)}`);
  }
}
