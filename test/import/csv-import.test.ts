import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { readLinesCsv } from '../../server/ingest/csv/read-lines-csv.ts';

const shared = join(process.cwd(), '..', 'shared', 'datasets');
const work = mkdtempSync(join(tmpdir(), 'csv-import-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const bun = join(process.cwd(), 'node_modules/.bin/bun');
/** The real CLI in its own process, on a data dir of its own. */
function cli(dataDir: string, args: string[]) {
  const out = spawnSync(bun, ['server/cli/index.ts', ...args], {
    env: { PATH: process.env.PATH ?? '', DATA_DIR: dataDir, STORE_DEMO: '0' },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { status: out.status, stderr: out.stderr, json: out.stdout.trim() ? JSON.parse(out.stdout) : null };
}

function tableCounts(dataDir: string) {
  const { Database } = require('bun:sqlite') as typeof import('bun:sqlite');
  const db = new Database(join(dataDir, 'store.db'), { readonly: true });
  const n = (sql: string) => (db.query(sql).get() as { n: number }).n;
  const counts = { transactions: n('SELECT count(*) AS n FROM transactions'), lines: n('SELECT count(*) AS n FROM transaction_lines'), customers: n('SELECT count(*) AS n FROM customers') };
  db.close();
  return counts;
}

describe('cli import of the lines CSV', () => {
  it('imports CDNOW to its published figures, and a re-import adds nothing', () => {
    const dir = join(work, 'cdnow');
    const first = cli(dir, ['import', join(shared, 'cdnow/lines.csv'), '--json']);
    expect(first.status).toBe(0);
    expect(first.json).toMatchObject({ files: 1, transactions: 67_591, duplicates: 0, lines: 69_659, customers: 23_570, gross_amount: 2_500_315.63, rejected: [] });
    const again = cli(dir, ['import', join(shared, 'cdnow/lines.csv'), '--json']);
    expect(again.json).toMatchObject({ files: 1, transactions: 0, duplicates: 67_591, lines: 0, customers: 0, gross_amount: 0 });
    expect(tableCounts(dir)).toEqual({ transactions: 67_591, lines: 69_659, customers: 23_570 });
  });

  it('imports Ta-Feng (gzip) to 480,611 lines, 77,369 transactions, 13,858 customers', () => {
    const dir = join(work, 'tafeng');
    const res = cli(dir, ['import', join(shared, 'tafeng/lines.csv.gz'), '--json']);
    expect(res.status).toBe(0);
    expect(res.json).toMatchObject({ transactions: 77_369, lines: 480_611, customers: 13_858, rejected: [] });
  });

  it('reports bad rows with their line numbers and goes on; --strict keeps nothing of the file', () => {
    const file = join(work, 'bad.csv');
    writeFileSync(
      file,
      [
        'customer_id,transaction_id,occurred_at,sku,quantity,amount',
        'c1,t1,2024-01-05T10:00:00+08:00,A,1,2.50',
        'c1,t1,2024-01-05T10:00:00+08:00,B,2,4.00',
        'c2,t2,2024-13-45T10:00:00+08:00,A,1,2.50',
        'c3,t3,2024-01-06T10:00:00+08:00,A,many,2.50',
        'c4,t4,2024-01-07T10:00:00+08:00,"Tea, ""green""",0.42,1.05',
        'c4,t5,2024-01-08T10:00:00+08:00,A,-1,-2.50',
        '',
      ].join('\n'),
    );
    const strictDir = join(work, 'strict');
    const strict = cli(strictDir, ['import', file, '--json', '--strict']);
    expect(strict.status).toBe(1);
    expect(strict.json.failed[0].error).toContain('bad.csv:4');
    expect(tableCounts(strictDir)).toEqual({ transactions: 0, lines: 0, customers: 0 });

    const lenient = cli(join(work, 'lenient'), ['import', file, '--json']);
    expect(lenient.status).toBe(0);
    expect(lenient.json.rejected).toEqual([
      { file, line: 4, reason: expect.stringContaining('occurred_at') },
      { file, line: 5, reason: expect.stringContaining('quantity is not a number') },
    ]);
    // t1 (2 lines), t4 (a quoted sku with a comma, a weighed quantity) and t5 (a return).
    expect(lenient.json).toMatchObject({ transactions: 3, lines: 4, customers: 2, gross_amount: 5.05 });
  });

  it('refuses a truncated .csv.gz with a clear error and keeps nothing of it', () => {
    const whole = readFileSync(join(shared, 'cdnow/lines.csv'));
    const gz = gzipSync(whole);
    const file = join(work, 'truncated.csv.gz');
    writeFileSync(file, gz.subarray(0, Math.floor(gz.length * 0.6)));
    const dir = join(work, 'truncated');
    const res = cli(dir, ['import', file, '--json']);
    expect(res.status).toBe(1);
    expect(res.json.failed[0].error).toMatch(/truncated\.csv\.gz: cannot read the file .*truncated or corrupt/);
    expect(tableCounts(dir)).toEqual({ transactions: 0, lines: 0, customers: 0 });
  });

  it('refuses a file whose header is not the lines format', async () => {
    const file = join(work, 'header.csv');
    writeFileSync(file, 'id,when,what\n1,2,3\n');
    await expect(async () => {
      for await (const _ of readLinesCsv(file)) void _;
    }).rejects.toThrow(/expected header customer_id,transaction_id,occurred_at,sku,quantity,amount/);
  });
});
