/**
 * npm run bench:long-history [-- --sales 20000]
 * One loyalty card used for every sale (a house card, or a very regular customer): how the cost of each
 * new sale and of the card's profile lookup grows with the card's history. In process, through the real
 * HTTP app, SQLite file and write queue (fsync included); no models, so only the POS path is measured.
 * Appends the figures to bench/RESULTS.md.
 */
import { appendFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../server/app/app.ts';
import { openAppliance } from '../server/app/appliance.ts';
import { createToken } from '../server/auth/token.service.ts';
import { testConfig } from '../server/kernel/config.ts';
import { startCheckpointer } from '../server/db/checkpointer.ts';
import { machineLine, percentile, round } from './support/machine.ts';
import { silentLogger } from '../server/kernel/log.ts';

const { values } = parseArgs({ options: { sales: { type: 'string', default: '20000' } } });
const total = Number(values.sales);
const dir = mkdtempSync(join(tmpdir(), 'bench-long-history-'));
let now = Date.parse('2026-01-01T10:00:00+08:00');
const deps = openAppliance(testConfig({ DATA_DIR: dir, MODELS_DIR: join(dir, 'no-models'), PROFILE_READS_PER_MINUTE: '100000' }), () => now, silentLogger);
const checkpoints = startCheckpointer(deps.sqlite, join(dir, 'store.db'), silentLogger); // as the server does
const app = createApp(deps);
const terminal = createToken(deps.sqlite, 'terminal', 'bench', now).token;
const clerk = createToken(deps.sqlite, 'clerk', 'bench', now).token;
const CARD = '88000000001';

const post = async (i: number) => {
  const body = {
    store_id: 'S001', terminal_id: 'T01', receipt_no: `H${i}`, occurred_at: new Date(now).toISOString(), kind: 'sale',
    customer: { loyalty_card: CARD },
    lines: [{ sku: `SKU${i % 50}`, name: 'Item', category: `cat${i % 7}`, quantity: 1, unit_price: 12.5, discount: 0, amount: 12.5 }],
    tenders: [{ type: 'card', amount: 12.5 }],
  };
  const res = await app.request('/api/v1/transactions', { method: 'POST', headers: { authorization: `Bearer ${terminal}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (res.status !== 201) throw new Error(`sale ${i}: ${res.status} ${await res.text()}`);
};
const lookup = async () => {
  const res = await app.request(`/api/v1/customers/lookup?card=${CARD}`, { headers: { authorization: `Bearer ${clerk}` } });
  if (res.status !== 200) throw new Error(`lookup: ${res.status}`);
  await res.arrayBuffer();
};

const marks = [1000, 5000, 10000, 20000, 50000, 100000].filter((m) => m <= total);
const rows: string[] = [];
const sales: number[] = [];
for (let i = 0; i < total; i++) {
  now += 60_000; // a sale a minute
  const t0 = performance.now();
  await post(i);
  sales.push(performance.now() - t0);
  if (marks.includes(i + 1)) {
    const last200 = sales.slice(-200).sort((a, b) => a - b);
    const looks: number[] = [];
    for (let k = 0; k < 20; k++) {
      const t1 = performance.now();
      await lookup();
      looks.push(performance.now() - t1);
    }
    looks.sort((a, b) => a - b);
    const row = `| ${(i + 1).toLocaleString('en')} | ${round(percentile(last200, 0.5))} / ${round(percentile(last200, 0.99))} ms | ${round(percentile(looks, 0.5))} ms |`;
    console.error(`[bench] ${row}`);
    rows.push(row);
  }
}
checkpoints.stop();
deps.sqlite.close();
rmSync(dir, { recursive: true, force: true });

const report = [
  `## bench:long-history — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${machineLine()}. Command: \`npm run bench:long-history -- --sales ${total}\`. In process (HTTP app, SQLite file, write queue with fsync), no models; one card for every sale.`,
  '',
  '| sales on the card | one more sale, p50 / p99 (last 200) | the card\'s profile lookup, p50 of 20 |',
  '|---|---|---|',
  ...rows,
  '',
].join('\n');
console.log(report);
appendFileSync('bench/RESULTS.md', `${report}\n`);
