import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
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
      { reason: 'occurred_at is not an ISO 8601 time with offset', count: 1, examples: [{ file, line: 4, detail: 'occurred_at is not an ISO 8601 time with offset: "2024-13-45T10:00:00+08:00"' }] },
      { reason: 'quantity is not a number', count: 1, examples: [{ file, line: 5, detail: 'quantity is not a number: "many"' }] },
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
    }).rejects.toThrow(/expected the header to start with customer_id,transaction_id,occurred_at,sku,quantity,amount/);
    const unknown = join(work, 'unknown-column.csv');
    writeFileSync(unknown, 'customer_id,transaction_id,occurred_at,sku,quantity,amount,name,colour\nc1,t1,2024-01-05T10:00:00+08:00,A,1,2.50,Tea,red\n');
    const res = cli(join(work, 'unknown-column'), ['import', unknown, '--json']);
    expect(res.status).toBe(1);
    expect(res.json.failed[0].error).toContain('unknown column "colour"');
    expect(tableCounts(join(work, 'unknown-column'))).toEqual({ transactions: 0, lines: 0, customers: 0 });
  });

  it('takes name and category in either order, keeps anonymous sales, and one basket across minutes and interleaved tills', () => {
    const file = join(work, 'optional.csv');
    writeFileSync(
      file,
      [
        'customer_id,transaction_id,occurred_at,sku,quantity,amount,category,name',
        'c1,T1,2024-01-05T10:00:00+00:00,A,1,2.50,tea,"Green tea, loose"',
        ',T2,2024-01-05T10:00:30+00:00,B,2,4.00,,Mug',
        'c1,T1,2024-01-05T10:01:00+00:00,C,1,1.00,snacks,',
        ',T2,2024-01-05T10:01:10+00:00,A,1,2.50,tea,Green tea',
        '',
      ].join('\n'),
    );
    const dir = join(work, 'optional');
    const res = cli(dir, ['import', file, '--json']);
    expect(res.status).toBe(0);
    expect(res.json).toMatchObject({ transactions: 2, lines: 4, customers: 1, gross_amount: 10, rejected: [] });
    const { Database } = require('bun:sqlite') as typeof import('bun:sqlite');
    const db = new Database(join(dir, 'store.db'), { readonly: true });
    const txs = db.query('SELECT receipt_no, customer_id IS NULL AS anonymous, occurred_at, line_count FROM transactions ORDER BY receipt_no').all();
    expect(txs).toEqual([
      { receipt_no: 'T1', anonymous: 0, occurred_at: Date.parse('2024-01-05T10:00:00Z'), line_count: 2 },
      { receipt_no: 'T2', anonymous: 1, occurred_at: Date.parse('2024-01-05T10:00:30Z'), line_count: 2 },
    ]);
    const lines = db.query('SELECT l.sku, l.name, l.category FROM transaction_lines l JOIN transactions t ON t.id = l.tx_id ORDER BY t.receipt_no, l.line_no').all();
    expect(lines).toEqual([
      { sku: 'A', name: 'Green tea, loose', category: 'tea' },
      { sku: 'C', name: null, category: 'snacks' },
      { sku: 'B', name: 'Mug', category: null },
      { sku: 'A', name: 'Green tea', category: 'tea' },
    ]);
    db.close();
  });

  it('groups rejected rows by reason: a count and the first 20 examples, not one entry per row', () => {
    const file = join(work, 'many-bad.csv');
    const rows = ['customer_id,transaction_id,occurred_at,sku,quantity,amount'];
    for (let i = 0; i < 50; i++) rows.push(`c${i},t${i},2024-01-05T10:00:00+08:00,A,lots,2.50`);
    for (let i = 0; i < 3; i++) rows.push(`c${i},u${i},yesterday,A,1,2.50`);
    writeFileSync(file, `${rows.join('\n')}\n`);
    const res = cli(join(work, 'many-bad'), ['import', file, '--json']);
    expect(res.status).toBe(0);
    expect(res.json.rejected.map((g: { reason: string; count: number; examples: unknown[] }) => [g.reason, g.count, g.examples.length])).toEqual([
      ['quantity is not a number', 50, 20],
      ['occurred_at is not an ISO 8601 time with offset', 3, 3],
    ]);
    expect(res.json.rejected[0].examples[19]).toEqual({ file, line: 21, detail: 'quantity is not a number: "lots"' });
  });

  it('imports the Online Retail history whole: anonymous sales, cancellations and item names, as the file has them', async () => {
    const file = join(shared, 'online-retail/lines.csv.gz');
    // The file's own figures, read here without the importer.
    const text = gunzipSync(readFileSync(file)).toString('utf8');
    const records = text.split('\n').slice(1).filter((l) => l !== '').map((l) => {
      const comma = (n: number) => { let at = -1; for (let i = 0; i < n; i++) at = l.indexOf(',', at + 1); return at; };
      const [quantity, amount] = [l.slice(comma(4) + 1, comma(5)), l.slice(comma(5) + 1, comma(6))];
      return { customer: l.slice(0, l.indexOf(',')), invoice: l.slice(l.indexOf(',') + 1, comma(2)), named: l.slice(comma(6) + 1) !== '', negative: Number(quantity) < 0 || Number(amount) < 0 };
    });
    const invoices = new Map(records.map((r) => [r.invoice, r.customer]));
    const anonymous = [...invoices.values()].filter((c) => c === '').length;
    const cancellations = [...invoices.keys()].filter((i) => i.startsWith('C')).length;
    const customers = new Set(records.map((r) => r.customer).filter((c) => c !== '')).size;
    const named = records.filter((r) => r.named).length;
    // A basket of only returned lines is a return: the cancellations, and stock write-offs entered as negative sales.
    const withSold = new Set(records.filter((r) => !r.negative).map((r) => r.invoice));
    const returns = invoices.size - withSold.size;
    expect([records.length, invoices.size, anonymous, cancellations, customers]).toEqual([334_054, 17_086, 2_682, 2_624, 3_412]);

    const dir = join(work, 'online-retail');
    const res = cli(dir, ['import', file, '--json']);
    expect(res.status).toBe(0);
    expect(res.json).toMatchObject({ transactions: invoices.size, lines: records.length, customers, rejected: [], failed: [] });
    const { Database } = require('bun:sqlite') as typeof import('bun:sqlite');
    const db = new Database(join(dir, 'store.db'), { readonly: true });
    const n = (sql: string) => (db.query(sql).get() as { n: number }).n;
    expect(n('SELECT count(*) AS n FROM transactions WHERE customer_id IS NULL')).toBe(anonymous);
    expect(n("SELECT count(*) AS n FROM transactions WHERE kind = 'return'")).toBe(returns);
    expect(returns).toBeGreaterThanOrEqual(cancellations);
    expect(n('SELECT count(*) AS n FROM transaction_lines WHERE name IS NOT NULL')).toBe(named);
    db.close();
  }, 120_000);
});
