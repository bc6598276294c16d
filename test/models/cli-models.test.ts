import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rocAuc } from '../../server/scoring/binary-metrics.ts';

/*
 * cli train / cli predict as evaluations call them: a real process on the real CDNOW file.
 */

const ROOT = join(import.meta.dirname, '..', '..');
const BUN = join(ROOT, 'node_modules', '.bin', 'bun');
const CDNOW = '/work/shared/datasets/cdnow/lines.csv';
const dir = mkdtempSync(join(tmpdir(), 'cli-models-'));

function cli(...args: string[]) {
  const r = spawnSync(BUN, [join(ROOT, 'server', 'cli', 'index.ts'), ...args], { encoding: 'utf8', cwd: ROOT });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout };
}

function readCsv(path: string) {
  const [header, ...rows] = readFileSync(path, 'utf8').trimEnd().split('\n');
  return { header, rows: rows.map((l) => l.split(',')) };
}

let train: ReturnType<typeof cli>;
beforeAll(() => {
  train = cli('train', '--lines', CDNOW, '--as-of', '1997-09-30', '--horizon-days', '273', '--out', join(dir, 'm'));
}, 900_000); // the internal split doubles the training work; the machine may be shared
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('cli train / predict', () => {
  it('trains on CDNOW and writes ONNX models with cards that hash them', () => {
    expect(train.status, train.stderr).toBe(0);
    for (const name of ['p_purchase', 'expected_purchases']) {
      const card = JSON.parse(readFileSync(join(dir, 'm', `${name}.card.json`), 'utf8')) as Record<string, unknown>;
      expect(card.onnx_sha256).toBe(createHash('sha256').update(readFileSync(join(dir, 'm', `${name}.onnx`))).digest('hex'));
      expect(card.horizon_days).toBe(273);
      expect((card.feature_names as string[]).length).toBeGreaterThan(20);
      expect(card.onnx_parity_max_abs as number).toBeLessThan(1e-4);
      expect((card.training_data_span as { last_basket: string }).last_basket < '1997-10-01').toBe(true);
    }
  });

  it('predicts every customer, beats recency on the holdout, and ignores lines after --as-of', () => {
    const out = join(dir, 'pred.csv');
    const r = cli('predict', '--lines', CDNOW, '--as-of', '1997-09-30', '--models', join(dir, 'm'), '--k', '5', '--out', out);
    expect(r.status, r.stderr).toBe(0);
    const { header, rows } = readCsv(out);
    expect(header).toBe('customer_id,p_purchase,expected_purchases,recommendations');
    expect(rows.length).toBe(23570);
    for (const [, p, e, recs] of rows) {
      expect(Number(p)).toBeGreaterThan(0);
      expect(Number(p)).toBeLessThan(1);
      expect(Number(e)).toBeGreaterThanOrEqual(0);
      expect(recs).toBe(''); // CDNOW has no SKUs
    }

    // the same file cut at the as-of gives the very same predictions
    const all = readFileSync(CDNOW, 'utf8').trimEnd().split('\n');
    const cut = [all[0]!, ...all.slice(1).filter((l) => l.split(',')[2]! < '1997-10-01')];
    writeFileSync(join(dir, 'cut.csv'), `${cut.join('\n')}\n`);
    const r2 = cli('predict', '--lines', join(dir, 'cut.csv'), '--as-of', '1997-09-30', '--models', join(dir, 'm'), '--k', '5', '--out', join(dir, 'pred-cut.csv'));
    expect(r2.status, r2.stderr).toBe(0);
    expect(readFileSync(join(dir, 'pred-cut.csv'), 'utf8')).toBe(readFileSync(out, 'utf8'));

    // holdout: who buys between 1997-10-01 and 1998-06-30; our p against "days since the last purchase"
    const lastBefore = new Map<string, string>();
    const buyers = new Set<string>();
    for (const l of all.slice(1)) {
      const [id, , at] = l.split(',');
      if (at! < '1997-10-01') {
        if ((lastBefore.get(id!) ?? '') < at!) lastBefore.set(id!, at!);
      } else buyers.add(id!);
    }
    const bought = rows.map(([id]) => buyers.has(id!));
    const ours = rocAuc(rows.map(([, p]) => Number(p)), bought);
    const recency = rocAuc(rows.map(([id]) => Date.parse(lastBefore.get(id!)!)), bought);
    expect(ours).toBeGreaterThan(recency);
  });

  it('copes with a tiny store with SKUs and no heterogeneity (degenerate BG/NBD fit stays bounded)', () => {
    // 60 customers buying every 12 days like clockwork, 1–3 SKUs per basket
    const lines = ['customer_id,transaction_id,occurred_at,sku,quantity,amount'];
    for (let c = 0; c < 60; c++) {
      for (let n = 0, day = c % 30; day < 90; n++, day += 12) {
        const at = new Date(Date.parse('2024-01-01T02:00:00Z') + day * 86_400_000).toISOString();
        for (let i = 0; i <= (c + n) % 3; i++) lines.push(`c${c},c${c}-${n},${at},sku${(c * 7 + n * 3 + i) % 20},1,${10 + i}.50`);
      }
    }
    writeFileSync(join(dir, 'tiny.csv'), `${lines.join('\n')}\n`);
    const t = cli('train', '--lines', join(dir, 'tiny.csv'), '--as-of', '2024-03-01', '--horizon-days', '14', '--out', join(dir, 'tiny'));
    expect(t.status, t.stderr).toBe(0);
    const p = cli('predict', '--lines', join(dir, 'tiny.csv'), '--as-of', '2024-03-01', '--models', join(dir, 'tiny'), '--k', '3', '--out', join(dir, 'tiny.csv.out'));
    expect(p.status, p.stderr).toBe(0);
    const { rows } = readCsv(join(dir, 'tiny.csv.out'));
    expect(rows.length).toBe(60);
    for (const [, pp, e] of rows) {
      expect(Number(pp)).toBeGreaterThan(0.05);
      expect(Number(e)).toBeGreaterThan(0.2);
      expect(Number(e)).toBeLessThan(3); // a purchase every 12 days: about one in 14 days
    }
    expect(rows.some(([, , , recs]) => recs!.split(' ').length === 3)).toBe(true);
  }, 600_000);

  it('fails clearly with a non-zero exit on bad input', () => {
    const cases: Array<[string[], RegExp]> = [
      [['train', '--lines', join(dir, 'nope.csv'), '--as-of', '1997-09-30', '--horizon-days', '30', '--out', join(dir, 'x')], /no such file/],
      [['train', '--lines', CDNOW, '--as-of', 'last tuesday', '--horizon-days', '30', '--out', join(dir, 'x')], /--as-of must be/],
      [['train', '--lines', CDNOW, '--as-of', '1990-01-01', '--horizon-days', '30', '--out', join(dir, 'x')], /no readable lines at or before/],
      [['train', '--lines', CDNOW, '--as-of', '1997-09-30', '--horizon-days', '0', '--out', join(dir, 'x')], /--horizon-days must be a positive integer/],
      [['train', '--lines', CDNOW, '--as-of', '1997-09-30', '--horizon-days', '30', '--bogus', '1'], /Unknown option '--bogus'/],
      [['predict', '--lines', CDNOW, '--as-of', '1997-09-30', '--models', join(dir, 'none'), '--k', '5', '--out', join(dir, 'p.csv')], /no such directory/],
      [['predict', '--lines', CDNOW, '--as-of', '1997-09-30', '--models', dir, '--k', '5', '--out', join(dir, 'p.csv')], /no customer models/],
      [['predict', '--lines', CDNOW, '--as-of', '1997-09-30', '--models', join(dir, 'm'), '--k', 'ten', '--out', join(dir, 'p.csv')], /--k must be a positive integer/],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.status, args.join(' ')).not.toBe(0);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
    }
  });
});
