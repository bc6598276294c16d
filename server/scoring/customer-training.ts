import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, systemClock } from '../kernel/clock.ts';
import { InputError } from '../kernel/errors.ts';
import { fnv1a32, sha256 } from '../kernel/hash.ts';
import type { CustomerHistory } from './history.ts';
import { CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES, DAY_MS, purchaseDaysBetween, rfmAt } from './customer-features.ts';
import { isBgNbdParams, type BgNbdParams } from './bgnbd.ts';
import { buildCustomerRows } from './customer-rows.ts';
import { runTrainingScript } from './training-python.ts';
import { loadOnnxModel } from './onnx-model.ts';

/*
 * Training of the customer models: snapshots at several as-of dates before the training as-of, each labelled with
 * what the customer bought in the following horizon — cut short at the training as-of, since nothing later may be
 * read. The BG/NBD expectation for each row's own label window is the model's offset (xgboost base_margin), so
 * the trees learn a correction factor to BG/NBD that does not depend on the window length; prediction applies
 * that factor to BG/NBD at the full horizon. BG/NBD is refitted at each snapshot from the data before it.
 */

/**
 * Snapshots whose label window is under half the horizon are left out: on an internal split of CDNOW's training
 * period (as-of 1997-06-30, 91 days) the corrections learned from short windows did not carry to the full
 * horizon (AUC 0.734 vs BG/NBD 0.743; with windows ≥ half the horizon 0.748, MAE 0.381 vs 0.391).
 */
export const MIN_WINDOW_SHARE = 0.5;

export const CUSTOMER_MODELS_FILE = 'customer-models.json';
export const CUSTOMER_MODEL_NAMES = ['p_purchase', 'expected_purchases'] as const;
export type CustomerModelName = (typeof CUSTOMER_MODEL_NAMES)[number];

export interface TrainCustomerOptions {
  horizonDays: number;
  maxSnapshots?: number;
  maxRows?: number;
  /** Overrides of the xgboost parameters in models/train_customer.py (for internal tuning runs). */
  xgbParams?: Record<string, number>;
  /** BG/NBD offsets of each snapshot from a fit at that snapshot ('own', no look-ahead) or from the fit at the as-of. */
  snapshotBgnbd?: 'own' | 'final';
  /** Drop snapshots whose label window is shorter than this share of the horizon (kept if none would remain). */
  minWindowShare?: number;
  snapshotsPerHorizon?: number;
  /** Features the trees may not use (left as missing in training; for internal tuning runs). */
  dropFeatures?: string[];
  log?: (message: string) => void;
  /** Stamps the model cards' created_at. */
  clock?: Clock;
}

export interface CustomerModelsManifest {
  kind: 'customer-models';
  version: 1;
  as_of: string;
  horizon_days: number;
  feature_names: string[];
  bgnbd: BgNbdParams & { ll: number; n: number; unit_days: number };
  models: Record<CustomerModelName, { onnx: string; card: string; link: 'logistic' | 'exp'; offset: 'bgnbd_logit_p_any' | 'bgnbd_log_expected' }>;
}

/** FNV-1a: a stable split of customers into internal train/validation folds. */
export function idFold(id: string, folds = 5): number {
  return fnv1a32(id) % folds;
}

/**
 * Snapshot times before asOf, `perHorizon` per horizon (weekly at least, five-weekly at most), each with ≥ 28 days
 * of history before it (or a quarter of the span for short data). Snapshots whose label window is the full
 * horizon come first (nearest first): their labels mean exactly what is predicted. Only when fewer than three
 * exist are truncated windows added, longest first, down to `minWindowShare` of the horizon; the BG/NBD offset
 * carries their window length. (Truncated windows mislead where purchases are regular: a customer who just
 * bought on a 12-day cycle does not buy within 7 days but does within 14.)
 */
export function snapshotTimes(asOf: number, dataStart: number, horizonDays: number, maxSnapshots: number, perHorizon = 8, minWindowShare = MIN_WINDOW_SHARE): number[] {
  const stepDays = Math.min(35, Math.max(7, Math.round(horizonDays / perHorizon)));
  const minHistory = Math.min(28 * DAY_MS, (asOf - dataStart) / 4);
  const full: number[] = [];
  const truncated: number[] = [];
  for (let k = 1; ; k++) {
    const s = asOf - k * stepDays * DAY_MS;
    if (s - dataStart < minHistory) break;
    const window = asOf - s;
    if (window >= horizonDays * DAY_MS) full.push(s);
    else if (window >= minWindowShare * horizonDays * DAY_MS) truncated.push(s);
  }
  truncated.reverse(); // longest windows first
  const chosen = full.length >= 3 ? full : [...full, ...truncated];
  return chosen.slice(0, maxSnapshots);
}

function writeF32(path: string, a: Float32Array | number[]) {
  const arr = a instanceof Float32Array ? a : Float32Array.from(a);
  writeFileSync(path, new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
}

function readF32(path: string): Float32Array {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

function fitBgNbdMany(work: string, histories: CustomerHistory[], times: number[]): Array<BgNbdParams & { ll: number; n: number }> {
  const jobs = times.map((t, i) => {
    const vals: number[] = [];
    for (const h of histories) {
      const r = rfmAt(h, t);
      if (r) vals.push(r.x, r.tx, r.T);
    }
    if (vals.length === 0) throw new InputError('invalid', `no customer has a purchase at or before ${new Date(t).toISOString()}`);
    const rfm = join(work, `rfm-${i}.f64`);
    writeFileSync(rfm, new Float64Array(vals));
    return { rfm, out: join(work, `bgnbd-${i}.json`) };
  });
  writeFileSync(join(work, 'bgnbd-jobs.json'), JSON.stringify(jobs));
  runTrainingScript('bgnbd.py', ['fit-many', join(work, 'bgnbd-jobs.json')]);
  return jobs.map((j) => {
    const p = JSON.parse(readFileSync(j.out, 'utf8')) as unknown;
    if (!isBgNbdParams(p)) throw new InputError('failed', `BG/NBD fit gave no usable parameters: ${JSON.stringify(p)}`);
    return p as BgNbdParams & { ll: number; n: number };
  });
}

export async function trainCustomerModels(histories: Map<string, CustomerHistory>, asOf: number, outDir: string, opts: TrainCustomerOptions) {
  const log = opts.log ?? (() => {});
  const H = opts.horizonDays;
  const all = [...histories.values()].filter((h) => h.baskets.length > 0);
  let dataStart = Number.POSITIVE_INFINITY;
  let dataEnd = Number.NEGATIVE_INFINITY;
  for (const h of all) {
    dataStart = Math.min(dataStart, h.baskets[0]!.at);
    dataEnd = Math.max(dataEnd, h.baskets[h.baskets.length - 1]!.at);
  }
  if (all.length === 0) throw new InputError('invalid', 'no purchases at or before the as-of time');
  const snaps = snapshotTimes(asOf, dataStart, H, opts.maxSnapshots ?? 8, opts.snapshotsPerHorizon, opts.minWindowShare ?? MIN_WINDOW_SHARE);
  if (snaps.length === 0) throw new InputError('invalid', 'too little history before the as-of time for a training snapshot');
  mkdirSync(outDir, { recursive: true });
  const work = mkdtempSync(join(tmpdir(), 'customer-train-'));
  try {
    const t0 = performance.now();
    const fits = fitBgNbdMany(work, all, [asOf, ...snaps]);
    const finalFit = fits[0]!;
    log(`BG/NBD fitted at ${snaps.length + 1} times in ${Math.round(performance.now() - t0)} ms`);

    const maxRows = opts.maxRows ?? 250_000;
    const perSnapshot = Math.ceil(maxRows / snaps.length);
    const parts: Array<{ x: Float32Array; offA: Float32Array; offC: Float32Array; yAny: number[]; yCount: number[]; fold: number[] }> = [];
    const snapshotInfo: Array<{ as_of: string; label_days: number; rows: number; buyers: number; bgnbd: BgNbdParams }> = [];
    for (let i = 0; i < snaps.length; i++) {
      const s = snaps[i]!;
      const windowDays = Math.min(H, Math.round((asOf - s) / DAY_MS));
      const params = opts.snapshotBgnbd === 'final' ? finalFit : fits[i + 1]!;
      const eligible = all.filter((h) => h.baskets[0]!.at <= s);
      // keep a stable subset of customers when a snapshot would exceed its share of rows
      const keepEvery = Math.max(1, Math.ceil(eligible.length / perSnapshot));
      const rows = buildCustomerRows(eligible, s, params, H, windowDays, (h) => keepEvery === 1 || idFold(`${h.customerId}#s`, keepEvery) === 0);
      const end = s + windowDays * DAY_MS;
      const yCount = rows.ids.map((id) => purchaseDaysBetween(histories.get(id)!, s, end));
      const yAny: number[] = yCount.map((c) => (c > 0 ? 1 : 0));
      parts.push({ x: rows.x, offA: rows.offsetAny, offC: rows.offsetCount, yAny, yCount, fold: rows.ids.map((id) => idFold(id)) });
      snapshotInfo.push({ as_of: new Date(s).toISOString(), label_days: windowDays, rows: rows.ids.length, buyers: yAny.reduce((a: number, b) => a + b, 0), bgnbd: params });
    }
    const rows = parts.reduce((n, p) => n + p.yAny.length, 0);
    const X = new Float32Array(rows * CUSTOMER_FEATURE_COUNT);
    let at = 0;
    for (const p of parts) {
      X.set(p.x, at * CUSTOMER_FEATURE_COUNT);
      at += p.yAny.length;
    }
    writeF32(join(work, 'X.f32'), X);
    writeF32(join(work, 'y_any.f32'), parts.flatMap((p) => p.yAny));
    writeF32(join(work, 'y_count.f32'), parts.flatMap((p) => p.yCount));
    writeF32(join(work, 'off_any.f32'), parts.flatMap((p) => Array.from(p.offA)));
    writeF32(join(work, 'off_count.f32'), parts.flatMap((p) => Array.from(p.offC)));
    writeF32(join(work, 'fold.f32'), parts.flatMap((p) => p.fold));
    writeFileSync(join(work, 'meta.json'), JSON.stringify({ rows, features: CUSTOMER_FEATURE_COUNT, xgb: opts.xgbParams ?? {}, drop: (opts.dropFeatures ?? []).map((f) => CUSTOMER_FEATURE_NAMES.indexOf(f as never)).filter((i) => i >= 0) }));
    log(`${rows} snapshot rows from ${snaps.length} snapshots in ${Math.round(performance.now() - t0)} ms`);

    const report = JSON.parse(runTrainingScript('train_customer.py', [work, work])) as Record<CustomerModelName, Record<string, unknown>> & { params: unknown };
    log(`xgboost fitted in ${Math.round(performance.now() - t0)} ms`);

    const manifest: CustomerModelsManifest = {
      kind: 'customer-models',
      version: 1,
      as_of: new Date(asOf).toISOString(),
      horizon_days: H,
      feature_names: [...CUSTOMER_FEATURE_NAMES],
      bgnbd: { ...finalFit, unit_days: 7 },
      models: {
        p_purchase: { onnx: 'p_purchase.onnx', card: 'p_purchase.card.json', link: 'logistic', offset: 'bgnbd_logit_p_any' },
        expected_purchases: { onnx: 'expected_purchases.onnx', card: 'expected_purchases.card.json', link: 'exp', offset: 'bgnbd_log_expected' },
      },
    };
    for (const name of CUSTOMER_MODEL_NAMES) {
      const onnxBytes = readFileSync(join(work, `${name}.onnx`));
      writeFileSync(join(outDir, `${name}.onnx`), onnxBytes);
      const parity = await onnxParity(join(outDir, `${name}.onnx`), X, readF32(join(work, `${name}.check.f32`)));
      if (!(parity < 1e-4)) throw new InputError('failed', `ONNX export of ${name} differs from xgboost by ${parity}`);
      const card = {
        model: name,
        target: name === 'p_purchase' ? `P(at least one purchase within ${H} days after the as-of time); churn risk = 1 − p` : `expected purchase days within ${H} days after the as-of time`,
        created_at: new Date((opts.clock ?? systemClock)()).toISOString(),
        as_of: manifest.as_of,
        horizon_days: H,
        training_data_span: { first_basket: new Date(dataStart).toISOString(), last_basket: new Date(dataEnd).toISOString(), customers: all.length },
        feature_names: [...CUSTOMER_FEATURE_NAMES],
        features_unused: opts.dropFeatures ?? [],
        input: `float32 [N, ${CUSTOMER_FEATURE_COUNT}] in feature_names order, NaN = missing (server/scoring/customer-features.ts)`,
        output: 'raw margin [N, 1] without the offset',
        prediction: name === 'p_purchase' ? 'sigmoid(margin + logit(P_bgnbd(any purchase within the horizon)))' : 'exp(margin) × E_bgnbd[purchases within the horizon]',
        method:
          'xgboost on snapshots before the as-of time; each snapshot labelled over min(horizon, time left to the as-of); ' +
          "BG/NBD's prediction for that same label window is the base_margin, so the trees learn a window-free correction to BG/NBD; " +
          'snapshots with the full horizon as label window when at least three exist, otherwise also truncated windows down to ' +
          `${MIN_WINDOW_SHARE} × horizon (shorter ones did worse on an internal split of the training period); ` +
          'early stopping on 20% of customers (by id hash), then a refit on all.',
        snapshots: snapshotInfo,
        bgnbd_at_as_of: manifest.bgnbd,
        xgboost: { params: report.params, ...report[name] },
        metrics: { internal_validation: report[name] },
        onnx_parity_max_abs: parity,
        onnx_sha256: sha256(onnxBytes),
      };
      writeFileSync(join(outDir, `${name}.card.json`), `${JSON.stringify(card, null, 2)}\n`);
    }
    writeFileSync(join(outDir, CUSTOMER_MODELS_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
    return { manifest, report, snapshots: snapshotInfo, rows };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function onnxParity(path: string, X: Float32Array, check: Float32Array): Promise<number> {
  const model = await loadOnnxModel(path);
  try {
    const out = await model.run(X.subarray(0, check.length * CUSTOMER_FEATURE_COUNT), check.length);
    let max = 0;
    for (let i = 0; i < check.length; i++) max = Math.max(max, Math.abs(out[i]! - check[i]!));
    return max;
  } finally {
    await model.close();
  }
}
