/**
 * npm run bench:scoring [-- --customers N --lines L --seconds S]
 * On a generated store (default 1M customers / 20M lines) with the shipped models: full rescoring of
 * everyone (features + ONNX + writes), p50/p99 of rescoring one customer as after a transaction, and
 * p50/p99 of the profile lookup (with scores and recommendations) over HTTP at 500 requests/s offered
 * by a separate load-generator process. Appends the figures to bench/RESULTS.md.
 */
import { appendFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openAppliance } from '../server/appliance.ts';
import { createToken } from '../server/auth/token.service.ts';
import { DAY_MS } from '../server/clock.ts';
import { testConfig } from '../server/config.ts';
import { rescoreCustomers, rescoreEveryone } from '../server/scoring/serving/scores.service.ts';
import { BIG_STORE_NOW, bigStoreFixture } from './support/big-store-fixture.ts';
import { machineLine, percentile, round } from './support/machine.ts';
import { startSteadyServer } from './support/server-process.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: '1000000' },
    lines: { type: 'string', default: '20000000' },
    seconds: { type: 'string', default: '15' },
  },
});
const customers = Number(values.customers);
const lines = Number(values.lines);
const log = (s: string) => console.error(`[bench] ${s}`);
const now = BIG_STORE_NOW + DAY_MS;

const runDir = bigStoreFixture({ customers, lines, runDir: join('.tmp', 'bench-scoring-run') }, log);
const deps = openAppliance(testConfig({ DATA_DIR: runDir }), () => now, log);
const version = await deps.models.reload();
if (!version) throw new Error('no shipped models in models/default');

// 1. Everyone.
const rss0 = process.memoryUsage().rss;
let t0 = performance.now();
let peakRss = rss0;
const full = await rescoreEveryone(deps.scoring, now, {
  onProgress: (n) => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    if (n % 100_000 < 5000) log(`rescored ${n}`);
  },
});
const fullSeconds = (performance.now() - t0) / 1000;
log(`full rescoring: ${full.customers} customers in ${round(fullSeconds)} s`);

// 2. One customer at a time, as after their transaction.
const sample = deps.sqlite
  .query<{ customer_id: string }, []>('SELECT customer_id FROM customer_scores ORDER BY random() LIMIT 2000')
  .all()
  .map((r) => r.customer_id);
const one: number[] = [];
for (const id of sample) {
  t0 = performance.now();
  await rescoreCustomers(deps.scoring, [id], now);
  one.push(performance.now() - t0);
}
one.sort((a, b) => a - b);
log(`one customer: p50 ${round(percentile(one, 0.5))} ms, p99 ${round(percentile(one, 0.99))} ms`);
const { token } = createToken(deps.sqlite, 'clerk', 'bench', now);
await deps.models.close();
// Rescoring everyone rewrote a row per customer: fold that WAL into the database now, so the lookups
// below measure the store's steady state, not a checkpoint of gigabytes running beside them.
deps.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
deps.sqlite.close();

// 3. Profile lookups over HTTP at 500/s from a separate process.
const idsFile = join(runDir, 'ids.txt');
writeFileSync(idsFile, sample.join('\n'));
const server = await startSteadyServer({ DATA_DIR: runDir, MODELS_POLL_SECONDS: '0' }, log);
const url = server.url;
let lookups: { ok: number; failed: number; p50_ms: number; p99_ms: number };
try {
  const seconds = Number(values.seconds);
  const child = Bun.spawn(
    [process.execPath, 'bench/support/load-generator.ts', JSON.stringify({ url, token, mode: 'open', target: 'profile', idsFile, rate: 500, connections: 32, durationMs: seconds * 1000, warmupMs: 2000, pool: 0, seed: 1, terminalPrefix: 'x' })],
    { stdout: 'pipe', stderr: 'inherit' },
  );
  lookups = JSON.parse(await new Response(child.stdout).text());
} finally {
  await server.stop();
}
log(`profile at 500/s: p50 ${lookups.p50_ms} ms, p99 ${lookups.p99_ms} ms, ${lookups.failed} failed`);

const report = [
  `## bench:scoring — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${machineLine()}. Command: \`npm run bench:scoring -- --customers ${customers} --lines ${lines}\`. Models: ${version} (shipped).`,
  `Store: ${customers.toLocaleString('en')} customers, ${lines.toLocaleString('en')} generated lines; ${full.customers.toLocaleString('en')} customers with a purchase scored.`,
  '',
  '| figure | measured | target |',
  '|---|---|---|',
  `| full rescoring (history from SQLite, features, 2 customer models + ranker, writes) | ${round(fullSeconds)} s (${Math.round(full.customers / fullSeconds)} customers/s, peak RSS ${Math.round(peakRss / 2 ** 20)} MiB) | ≤ 30 s |`,
  `| one customer as after a transaction, p50 / p99 | ${round(percentile(one, 0.5))} / ${round(percentile(one, 0.99))} ms | p99 ≤ 2 ms |`,
  `| profile + recommendations over HTTP at 500/s, p50 / p99 | ${lookups.p50_ms} / ${lookups.p99_ms} ms (${lookups.failed} failed) | p99 ≤ 5 ms |`,
  '',
].join('\n');
console.log(report);
appendFileSync('bench/RESULTS.md', `${report}\n`);
