import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyLink, loadOnnxModel, type Link } from '../../server/scoring/onnx-model.ts';

/*
 * Our xgboost→ONNX exporter against xgboost itself: small models per objective trained on synthetic data with
 * missing values and with rows placed exactly on split thresholds, run through the real onnxruntime-node.
 */

const dir = mkdtempSync(join(tmpdir(), 'onnx-parity-'));
interface Case { name: string; rows?: number; features: number; link: Link; same_as?: string }
let cases: Case[] = [];

beforeAll(() => {
  execFileSync('/usr/bin/python3', [join(import.meta.dirname, 'fixtures', 'train_parity_models.py'), dir], { stdio: 'pipe' });
  cases = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Case[];
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function f32(path: string) {
  const b = readFileSync(path);
  return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}
function f64(path: string) {
  const b = readFileSync(path);
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

async function compare(onnxName: string, dataName: string, link: Link) {
  const x = f32(join(dir, `${dataName}.x.f32`));
  const margin = f64(join(dir, `${dataName}.margin.f64`));
  const pred = f64(join(dir, `${dataName}.pred.f64`));
  const model = await loadOnnxModel(join(dir, `${onnxName}.onnx`));
  const rows = margin.length;
  expect(model.numFeatures * rows).toBe(x.length);
  const out = await model.run(x, rows);
  await model.close();
  let maxMargin = 0;
  let maxPred = 0;
  let missingRows = 0;
  for (let i = 0; i < rows; i++) {
    maxMargin = Math.max(maxMargin, Math.abs(out[i]! - margin[i]!));
    maxPred = Math.max(maxPred, Math.abs(applyLink(link, out[i]!) - pred[i]!));
    if (Number.isNaN(x[i * model.numFeatures])) missingRows += 1;
  }
  return { maxMargin, maxPred, missingRows, rows, spread: Math.max(...margin) - Math.min(...margin) };
}

describe('xgboost → ONNX TreeEnsembleRegressor parity', () => {
  for (const name of ['binary_logistic', 'binary_logistic_base', 'count_poisson', 'reg_squarederror', 'rank_pairwise', 'rank_ndcg']) {
    it(`${name}: onnxruntime margins and predictions match xgboost within 1e-5`, async () => {
      const c = cases.find((k) => k.name === name);
      expect(c).toBeDefined();
      const r = await compare(name, name, c!.link);
      expect(r.missingRows).toBeGreaterThan(100);
      expect(r.spread).toBeGreaterThan(0.5); // the models are not constant
      expect(r.maxMargin).toBeLessThan(1e-5);
      expect(r.maxPred).toBeLessThan(1e-5);
    });
  }

  it('the get_dump JSON route gives the same model', async () => {
    const r = await compare('dump_logistic', 'binary_logistic', 'logistic');
    expect(r.maxMargin).toBeLessThan(1e-5);
  });

  it('the seed-bagged average of two boosters matches the mean of their margins', async () => {
    const r = await compare('average', 'average', 'identity');
    expect(r.spread).toBeGreaterThan(0.5);
    expect(r.maxMargin).toBeLessThan(1e-5);
  });

  it('the CLI form exports a save_model JSON and prints objective and link', () => {
    const out = execFileSync('/usr/bin/python3', [join(import.meta.dirname, '..', '..', 'models', 'xgb_onnx.py'), join(dir, 'count_poisson.json'), join(dir, 'cli.onnx')], { encoding: 'utf8' });
    const info = JSON.parse(out) as { objective: string; link: string; trees: number; num_features: number };
    expect(info).toMatchObject({ objective: 'count:poisson', link: 'exp', trees: 40, num_features: 6 });
  });

  it('the CLI fails clearly on a missing model file', () => {
    expect(() => execFileSync('/usr/bin/python3', [join(import.meta.dirname, '..', '..', 'models', 'xgb_onnx.py'), join(dir, 'nope.json'), join(dir, 'x.onnx')], { stdio: 'pipe' })).toThrow(/xgb_onnx/);
  });
});
