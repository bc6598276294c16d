import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../kernel/errors.ts';
import { fnv1a32, sha256 } from '../kernel/hash.ts';
import type { CustomerHistory } from './history.ts';
import { BGNBD_UNIT_DAYS, CUSTOMER_FEATURE_COUNT, CUSTOMER_FEATURE_NAMES, DAY_MS, purchaseDaysBetween, rfmAt } from './customer-features.ts';
import { isBgNbdParams, type BgNbdParams } from './bgnbd.ts';
import { buildCustomerRows } from './customer-rows.ts';
import { type BaselineParams, type CandidateKind, fitBaseline } from './customer-candidates.ts';
import { CUSTOMER_MODEL_NAMES, type CustomerModelName, type CustomerModelsManifest } from './customer-models-manifest.ts';
import { runTrainingScript } from './training-python.ts';
import { loadOnnxModel } from './onnx-model.ts';

/*
 * Fits the customer candidates at one as-of time: snapshots at several times before it, each labelled with what
 * the customer bought in the following horizon — cut short at the as-of, since nothing later may be read.
 * BG/NBD is fitted at the as-of and at each snapshot (from the data before it); the baseline is fitted on the
 * snapshot rows; the xgboost correction (only for the targets asked for) learns a window-free factor on top of
 * BG/NBD's expectation for each row's own label window (its base_margin), and prediction applies that factor
 * to BG/NBD at the full horizon.
 */

/**
 * Snapshots whose label window is under half the horizon are left out: on an internal split of CDNOW's training
 * period (as-of 1997-06-30, 91 days) the corrections learned from short windows did not carry to the full
 * horizon (AUC 0.734 vs BG/NBD 0.743; with windows ≥ half the horizon 0.748, MAE 0.381 vs 0.391).
 */
export const MIN_WINDOW_SHARE = 0.5;

export interface FitCandidatesOptions {
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
}

export interface SnapshotInfo {
  as_of: string;
  label_days: number;
  rows: number;
  buyers: number;
  bgnbd: BgNbdParams;
}

export interface LearnedModelFile {
  file: string;
  parity: number;
  sha256: string;
  report: Record<string, unknown>;
}

export interface FittedCandidates {
  dataStart: number;
  dataEnd: number;
  customers: number;
  bgnbd: BgNbdParams & { ll: number; n: number };
  baseline: BaselineParams;
  snapshots: SnapshotInfo[];
  rows: number;
  /** xgboost's parameters when a learned model was fitted. */
  xgbParams: unknown;
  learned: Record<CustomerModelName, LearnedModelFile | null>;
}

/** FNV-1a: a stable split of customers into internal train/validation folds. */
export function idFold(id: string, folds = 5): number {
  return fnv1a32(id) % folds;
}

/** First and last basket of the histories that have one. */
export function dataSpan(histories: Iterable<CustomerHistory>): { start: number; end: number; customers: number } {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let customers = 0;
  for (const h of histories) {
    if (h.baskets.length === 0) continue;
    customers += 1;
    start = Math.min(start, h.baskets[0]!.at);
    end = Math.max(end, h.baskets[h.baskets.length - 1]!.at);
  }
  return { start, end, customers };
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

/**
 * Fits BG/NBD and the baseline at asOf, and the xgboost correction for `learnedTargets`, whose ONNX files go
 * to outDir as `<target>.onnx` (checked against xgboost's own margins).
 */
export async function fitCustomerCandidates(
  histories: Map<string, CustomerHistory>,
  asOf: number,
  outDir: string,
  learnedTargets: readonly CustomerModelName[],
  opts: FitCandidatesOptions,
): Promise<FittedCandidates> {
  const log = opts.log ?? (() => {});
  const H = opts.horizonDays;
  const all = [...histories.values()].filter((h) => h.baskets.length > 0 && h.baskets[0]!.at <= asOf);
  if (all.length === 0) throw new InputError('invalid', 'no purchases at or before the as-of time');
  const span = dataSpan(all);
  const snaps = snapshotTimes(asOf, span.start, H, opts.maxSnapshots ?? 8, opts.snapshotsPerHorizon, opts.minWindowShare ?? MIN_WINDOW_SHARE);
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
    const parts: Array<{ x: Float32Array; offA: Float32Array; offC: Float32Array; yAny: number[]; yCount: number[]; window: number; fold: number[] }> = [];
    const snapshotInfo: SnapshotInfo[] = [];
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
      parts.push({ x: rows.x, offA: rows.offsetAny, offC: rows.offsetCount, yAny, yCount, window: windowDays, fold: rows.ids.map((id) => idFold(id)) });
      snapshotInfo.push({ as_of: new Date(s).toISOString(), label_days: windowDays, rows: rows.ids.length, buyers: yAny.reduce((a: number, b) => a + b, 0), bgnbd: params });
    }
    const rows = parts.reduce((n, p) => n + p.yAny.length, 0);
    const X = new Float32Array(rows * CUSTOMER_FEATURE_COUNT);
    let at = 0;
    for (const p of parts) {
      X.set(p.x, at * CUSTOMER_FEATURE_COUNT);
      at += p.yAny.length;
    }
    const yAny = parts.flatMap((p) => p.yAny);
    const yCount = parts.flatMap((p) => p.yCount);
    const baseline = fitBaseline({ x: X }, yAny, yCount, parts.flatMap((p) => p.yAny.map(() => p.window)));
    log(`${rows} snapshot rows from ${snaps.length} snapshots in ${Math.round(performance.now() - t0)} ms`);

    const learned: Record<CustomerModelName, LearnedModelFile | null> = { p_purchase: null, expected_purchases: null };
    let xgbParams: unknown = null;
    if (learnedTargets.length > 0) {
      writeF32(join(work, 'X.f32'), X);
      writeF32(join(work, 'y_any.f32'), yAny);
      writeF32(join(work, 'y_count.f32'), yCount);
      writeF32(join(work, 'off_any.f32'), parts.flatMap((p) => Array.from(p.offA)));
      writeF32(join(work, 'off_count.f32'), parts.flatMap((p) => Array.from(p.offC)));
      writeF32(join(work, 'fold.f32'), parts.flatMap((p) => p.fold));
      const drop = (opts.dropFeatures ?? []).map((f) => CUSTOMER_FEATURE_NAMES.indexOf(f as never)).filter((i) => i >= 0);
      writeFileSync(join(work, 'meta.json'), JSON.stringify({ rows, features: CUSTOMER_FEATURE_COUNT, xgb: opts.xgbParams ?? {}, drop, targets: learnedTargets }));
      const report = JSON.parse(runTrainingScript('train_customer.py', [work, work])) as Partial<Record<CustomerModelName, Record<string, unknown>>> & { params: unknown };
      xgbParams = report.params;
      log(`xgboost (${learnedTargets.join(', ')}) fitted in ${Math.round(performance.now() - t0)} ms`);
      for (const name of CUSTOMER_MODEL_NAMES) {
        if (!learnedTargets.includes(name)) continue;
        const file = `${name}.onnx`;
        const onnxBytes = readFileSync(join(work, file));
        writeFileSync(join(outDir, file), onnxBytes);
        const parity = await onnxParity(join(outDir, file), X, readF32(join(work, `${name}.check.f32`)));
        if (!(parity < 1e-4)) throw new InputError('failed', `ONNX export of ${name} differs from xgboost by ${parity}`);
        learned[name] = { file, parity, sha256: sha256(onnxBytes), report: report[name] ?? {} };
      }
    }
    return { dataStart: span.start, dataEnd: span.end, customers: all.length, bgnbd: finalFit, baseline, snapshots: snapshotInfo, rows, xgbParams, learned };
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

/** The manifest of a fitted set serving `served`; ONNX files are named only for the targets that have one. */
export function manifestFor(fitted: FittedCandidates, asOf: number, horizonDays: number, served: Record<CustomerModelName, CandidateKind>): CustomerModelsManifest {
  return {
    kind: 'customer-models',
    version: 2,
    as_of: new Date(asOf).toISOString(),
    horizon_days: horizonDays,
    feature_names: [...CUSTOMER_FEATURE_NAMES],
    bgnbd: { ...fitted.bgnbd, unit_days: BGNBD_UNIT_DAYS },
    baseline: fitted.baseline,
    models: {
      p_purchase: { served: served.p_purchase, onnx: fitted.learned.p_purchase?.file ?? null, card: 'p_purchase.card.json', link: 'logistic', offset: 'bgnbd_logit_p_any' },
      expected_purchases: {
        served: served.expected_purchases,
        onnx: fitted.learned.expected_purchases?.file ?? null,
        card: 'expected_purchases.card.json',
        link: 'exp',
        offset: 'bgnbd_log_expected',
      },
    },
  };
}
