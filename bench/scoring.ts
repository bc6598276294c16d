/**
 * npm run bench:scoring [-- --customers N --lines L --seconds S]
 * On a generated store (default 1M customers / 20M lines) with the shipped models: full rescoring of
 * everyone (features + ONNX + writes), p50/p99 of rescoring one customer as after a transaction, and
 * p50/p99 of the profile lookup (with scores and recommendations) over HTTP at 500 requests/s offered
 * by a separate load-generator process. Appends the figures to bench/RESULTS.md.
 */
import { appendFileSync, createReadStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openAppliance, SHIPPED_MODELS_DIR } from '../server/app/appliance.ts';
import { startCheckpointer } from '../server/db/checkpointer.ts';
import { createToken } from '../server/auth/token.service.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { testConfig } from '../server/kernel/config.ts';
import { rescoreCustomers, rescoreEveryone } from '../server/scoring/serving/scores.service.ts';
import { createWorkerScoreEngine } from '../server/scoring/serving/worker-score-engine.ts';
import { BIG_STORE_NOW, bigStoreFixture } from './support/big-store-fixture.ts';
import { machineLine, percentile, round } from './support/machine.ts';
import { startSteadyServer } from './support/server-process.ts';
import { waitForCheckpoint } from './support/wait-for-checkpoint.ts';
import { createLogger } from '../server/kernel/log.ts';

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
/** The appliance's own events, as readable lines among the bench's. */
const appLog = createLogger({ level: 'info', format: 'text', write: log });
// The store's real clock (never before the fixture's last day): the server started for the lookups below then
// finds everyone already scored today and does not rescore them all again at start, which a fixed date in
// the past would make it do (its day would differ from the server's).
const now = Math.max(Date.now(), BIG_STORE_NOW + DAY_MS);

const runDir = bigStoreFixture({ customers, lines, runDir: join('.tmp', 'bench-scoring-run') }, log);
const deps = openAppliance(testConfig({ DATA_DIR: runDir }), () => now, appLog);
// As in the server (main.ts): the WAL is checkpointed by its own thread, never inside a write's COMMIT.
const checkpoints = startCheckpointer(deps.sqlite, join(runDir, 'store.db'), appLog);
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

// 2. One customer at a time, as after their transaction (the server scores a lone customer on its event loop),
// once the WAL that rescoring everyone left is folded in.
await waitForCheckpoint(join(runDir, 'store.db'));
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
// The same customers through a scoring thread and back: what each customer of a rush's batch waits for.
const threaded = await throughScoringThread(sample);
log(`one customer through a scoring thread: p50 ${round(percentile(threaded, 0.5))} ms, p99 ${round(percentile(threaded, 0.99))} ms`);
const { token } = createToken(deps.sqlite, 'clerk', 'bench', now);
await deps.models.close();
checkpoints.stop();
// Rescoring everyone rewrote a row per customer: fold that WAL into the database now, so the lookups
// below measure the store's steady state, not a checkpoint of gigabytes running beside them.
deps.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
deps.sqlite.close();

// 3. Profile lookups over HTTP at 500/s from a separate process. The store's file is read through once
// first: an appliance that has served all day has its database in the OS page cache (a 5 GB file on a
// 24 GB box); a freshly generated one is partly on disk, and each lookup's first touch of a page would then
// measure the disk, not the appliance.
const idsFile = join(runDir, 'ids.txt');
writeFileSync(idsFile, sample.join('\n'));
const server = await startSteadyServer({ DATA_DIR: runDir, MODELS_POLL_SECONDS: '0' }, log);
const url = server.url;
const serverRescored = server.startLog.some((l) => l.event === 'scoring.rescored');
if (serverRescored) log('note: the server rescored everyone at start (the store-local day changed during the run)');
// A server starting on another day than the fixture's runs the day's sweep first (a write per customer
// whose points expire): its WAL is copied into the database by the checkpoint thread for a while after.
// The lookups are measured once that is done, as in the store's day after the nightly work.
await waitForCheckpoint(join(runDir, 'store.db'));
await warmPageCache(join(runDir, 'store.db'));
let lookups: { ok: number; failed: number; p50_ms: number; p99_ms: number };
try {
  const seconds = Number(values.seconds);
  const child = Bun.spawn(
    [process.execPath, 'bench/support/load-generator.ts', JSON.stringify({ url, token, mode: 'open', target: 'profile', idsFile, rate: 500, connections: 32, durationMs: seconds * 1000, warmupMs: 5000, pool: 0, seed: 1, terminalPrefix: 'x' })],
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
  `| full rescoring (history from SQLite, features, 2 customer models + ranker, writes) | ${round(fullSeconds)} s (${Math.round(full.customers / fullSeconds)} customers/s, peak RSS ${Math.round(peakRss / 2 ** 20)} MiB) | goal ≤ 30 s |`,
  `| one customer as after a transaction (scored on the event loop, stored), p50 / p99 | ${round(percentile(one, 0.5))} / ${round(percentile(one, 0.99))} ms | p99 ≤ 2 ms |`,
  `| the same customers through a scoring thread and back (a rush's batches; not stored), p50 / p99 | ${round(percentile(threaded, 0.5))} / ${round(percentile(threaded, 0.99))} ms | — |`,
  `| profile + recommendations over HTTP at 500/s (OS page cache warm, 5 s warm-up), p50 / p99 | ${lookups.p50_ms} / ${lookups.p99_ms} ms (${lookups.failed} failed) | p99 ≤ 5 ms |`,
  '',
  `Lookup server: ${serverRescored ? 'rescored everyone at start (the store-local day changed during the run), then' : 'found everyone scored today;'} measured once its start-up work and the checkpoint after it were done.`,
  '',
].join('\n');
console.log(report);
appendFileSync('bench/RESULTS.md', `${report}\n`);

/** Per customer, ms to score them on a scoring thread and have the rows back (nothing stored): a rush's path. */
async function throughScoringThread(ids: readonly string[]): Promise<number[]> {
  const engine = createWorkerScoreEngine(
    { file: join(runDir, 'store.db'), dataModelsDir: join(runDir, 'models'), shippedDir: SHIPPED_MODELS_DIR, returnBlockDays: deps.config.ACTIONS_RETURN_BLOCK_DAYS, k: deps.config.SCORING_RECOMMENDATIONS, cacheKiB: 32 * 1024 },
    appLog,
  );
  const ms: number[] = [];
  try {
    await engine.reload();
    for (const id of ids) {
      const t = performance.now();
      await engine.score([id], now);
      ms.push(performance.now() - t);
    }
  } finally {
    await engine.close();
  }
  return ms.sort((a, b) => a - b);
}

/** Reads a file through, leaving it in the OS page cache. */
async function warmPageCache(file: string): Promise<void> {
  for await (const _ of createReadStream(file, { highWaterMark: 1 << 20 })) {
    // Only the reading matters.
  }
}
