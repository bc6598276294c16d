import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readHistoriesFromCsv, type CustomerHistory } from '../../server/scoring/history.ts';
import { rfmAt } from '../../server/scoring/customer-features.ts';
import { parseAsOf } from '../../server/scoring/as-of.ts';
import { conditionalExpectedTransactions, logHyp2f1, probabilityAlive, type Rfm } from '../../server/scoring/bgnbd.ts';

/*
 * BG/NBD on the real CDNOW file: our scipy fit (models/bgnbd.py) on the calibration data of the published 1/10
 * sample reproduces Fader, Hardie & Lee's parameters; the TS expectation and P(alive) match scipy's.
 */

const CDNOW = '/work/shared/datasets/cdnow/lines.csv';
const SAMPLE = '/work/shared/datasets/cdnow/sample_customers.txt';
const BGNBD_PY = join(import.meta.dirname, '..', '..', 'models', 'bgnbd.py');
const dir = mkdtempSync(join(tmpdir(), 'bgnbd-'));
let histories = new Map<string, CustomerHistory>();
const asOf = parseAsOf('1997-09-30');

function writeRfm(path: string, rows: Rfm[]) {
  const a = new Float64Array(rows.length * 3);
  rows.forEach((r, i) => a.set([r.x, r.tx, r.T], i * 3));
  writeFileSync(path, a);
}

beforeAll(async () => {
  histories = (await readHistoriesFromCsv(CDNOW, { until: asOf })).histories;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('BG/NBD', () => {
  it('fits the published parameters on the CDNOW 1/10 sample (r 0.243, α 4.414, a 0.793, b 2.426, LL −9582.43)', () => {
    const ids = readFileSync(SAMPLE, 'utf8').split(/\s+/).filter(Boolean);
    expect(ids.length).toBe(2357);
    const rows = ids.map((id) => rfmAt(histories.get(id)!, asOf)!);
    expect(rows.reduce((s, r) => s + r.x, 0)).toBe(2457);
    writeRfm(join(dir, 'sample.f64'), rows);
    execFileSync('/usr/bin/python3', [BGNBD_PY, 'fit', join(dir, 'sample.f64'), join(dir, 'sample.json')]);
    const p = JSON.parse(readFileSync(join(dir, 'sample.json'), 'utf8')) as { r: number; alpha: number; a: number; b: number; ll: number };
    expect(p.r).toBeCloseTo(0.243, 3);
    expect(p.alpha).toBeCloseTo(4.414, 2);
    expect(p.a).toBeCloseTo(0.793, 3);
    expect(p.b).toBeCloseTo(2.426, 2);
    expect(p.ll).toBeCloseTo(-9582.43, 1);
  });

  it('E[X(t)] and P(alive) in TS match scipy (hyp2f1) on every CDNOW customer', () => {
    const rows = [...histories.values()].map((h) => rfmAt(h, asOf)!);
    expect(rows.length).toBe(23570);
    writeRfm(join(dir, 'all.f64'), rows);
    // the second set has a + b < 1, so 2F1's c = a + b + x − 1 is negative for x = 0 (early-snapshot fits do that)
    for (const [params, t] of [
      [{ r: 0.2516, alpha: 4.789, a: 0.7234, b: 2.161 }, 1],
      [{ r: 0.2516, alpha: 4.789, a: 0.7234, b: 2.161 }, 39],
      [{ r: 0.2516, alpha: 4.789, a: 0.7234, b: 2.161 }, 150],
      [{ r: 0.2798, alpha: 4.438, a: 0.2713, b: 0.6254 }, 39],
    ] as const) {
      writeFileSync(join(dir, 'params.json'), JSON.stringify(params));
      execFileSync('/usr/bin/python3', [BGNBD_PY, 'expect', join(dir, 'params.json'), join(dir, 'all.f64'), String(t), join(dir, 'out.f64')]);
      const b = readFileSync(join(dir, 'out.f64'));
      const py = new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
      let maxRel = 0;
      let total = 0;
      rows.forEach((r, i) => {
        const e = conditionalExpectedTransactions(params, t, r);
        total += e;
        maxRel = Math.max(maxRel, Math.abs(e - py[2 * i]!) / Math.max(1e-9, Math.abs(py[2 * i]!)), Math.abs(probabilityAlive(params, r) - py[2 * i + 1]!));
      });
      expect(maxRel).toBeLessThan(1e-9);
      expect(total).toBeGreaterThan(0);
    }
  });

  it('2F1 agrees with closed forms', () => {
    // 2F1(1,1;2;z) = −ln(1−z)/z ; 2F1(a,b;b;z) = (1−z)^−a
    for (const z of [0.01, 0.5, 0.93]) {
      expect(Math.exp(logHyp2f1(1, 1, 2, z))).toBeCloseTo(-Math.log(1 - z) / z, 10);
      expect(logHyp2f1(3.5, 2.2, 2.2, z)).toBeCloseTo(-3.5 * Math.log(1 - z), 10);
    }
    expect(() => logHyp2f1(1, 1, 2, 1)).toThrow();
  });
});
