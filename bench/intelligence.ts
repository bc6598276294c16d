/**
 * npm run bench:intelligence [-- --customers N --lines L]
 * On a generated store (default 1M customers / 20M lines): time of the daily sweep, of analytics/overview,
 * and p50/p99 of one customer's next-best actions. Prints the figures and appends them to bench/RESULTS.md.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createActionsService } from '../server/actions/actions.service.ts';
import { storeOverview } from '../server/analytics/analytics.service.ts';
import { openAppliance } from '../server/app/appliance.ts';
import { testConfig } from '../server/kernel/config.ts';
import { dailySweepSteps, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { runStepwise } from '../server/db/sweep-steps.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { startCheckpointer } from '../server/db/checkpointer.ts';
import { BIG_STORE_NOW, bigStoreFixture } from './support/big-store-fixture.ts';
import { machineLine, percentile, round } from './support/machine.ts';
import { timedSteps } from './support/timed-steps.ts';
import { createLogger } from '../server/kernel/log.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' }, lines: { type: 'string', default: '20000000' } } });
const customers = Number(values.customers);
const lines = Number(values.lines);
const now = BIG_STORE_NOW;
const log = (s: string) => console.error(`[bench] ${s}`);
/** The appliance's own events, as readable lines among the bench's. */
const appLog = createLogger({ level: 'info', format: 'text', write: log });

const runDir = bigStoreFixture({ customers, lines, runDir: join('.tmp', 'bench-intel-run') }, log);

const deps = openAppliance(testConfig({ DATA_DIR: runDir }), () => now + DAY_MS);
// As in the server (main.ts): the WAL is checkpointed by its own thread while the sweep's steps commit.
const checkpoints = startCheckpointer(deps.sqlite, join(runDir, 'store.db'), appLog);
const count = (sql: string) => (deps.sqlite.query(sql).get() as { n: number }).n;
log(`store: ${count('SELECT count(*) AS n FROM customers')} customers, ${count('SELECT count(*) AS n FROM transactions')} transactions, ${count('SELECT count(*) AS n FROM transaction_lines')} lines`);

// 1. The daily sweep, a day after the data ends (time moves customers on), in steps as the server runs it:
// each step a transaction of its own, which is the longest a POS sale can wait for the sweep.
const { run: oneStep, stepMs } = timedSteps(deps.sqlite);
let t0 = performance.now();
const sweep = await runStepwise(oneStep, dailySweepSteps(sweepDepsFrom(deps), now + DAY_MS));
const sweepMs = performance.now() - t0;
stepMs.sort((a, b) => a - b);
const steps = `${stepMs.length} steps, each p50 ${round(percentile(stepMs, 0.5))} / p99 ${round(percentile(stepMs, 0.99))} / max ${round(stepMs[stepMs.length - 1]!)} ms`;
log(`sweep: ${round(sweepMs / 1000)} s in ${steps} (${sweep.lifecycle.changed} stage changes of ${sweep.lifecycle.scanned}, ${sweep.rfmScored} RFM scored)`);

// 2. analytics/overview over the last 12 months (best and median of 3).
const overviewMs: number[] = [];
for (let i = 0; i < 3; i++) {
  t0 = performance.now();
  storeOverview({ sqlite: deps.sqlite, minorDigits: 2, timeZone: 'Asia/Shanghai' }, now - 365 * DAY_MS, now, now + DAY_MS);
  overviewMs.push(performance.now() - t0);
}
overviewMs.sort((a, b) => a - b);
log(`overview: median ${round(overviewMs[1]! / 1000)} s`);

// 3. Actions for one customer: the first look (creates and persists actions) and a repeated look.
const actions = createActionsService(deps);
const sample = deps.sqlite
  .query<{ customer_id: string }, []>('SELECT customer_id FROM customer_lifecycle WHERE purchase_count > 0 ORDER BY random() LIMIT 2000')
  .all()
  .map((r) => r.customer_id);
await actions.actionsFor(sample[0]!); // warm the popular-items cache
const first: number[] = [];
const repeat: number[] = [];
for (const id of sample) {
  t0 = performance.now();
  await actions.actionsFor(id);
  first.push(performance.now() - t0);
  t0 = performance.now();
  await actions.actionsFor(id);
  repeat.push(performance.now() - t0);
}
first.sort((a, b) => a - b);
repeat.sort((a, b) => a - b);
checkpoints.stop();
deps.sqlite.close();

const report = [
  `## bench:intelligence — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${machineLine()}. Command: \`npm run bench:intelligence -- --customers ${customers} --lines ${lines}\`.`,
  `Store: ${customers.toLocaleString('en')} customers, ${lines.toLocaleString('en')} lines (generated, 2 years).`,
  '',
  '| figure | measured | target |',
  '|---|---|---|',
  `| daily sweep (stages, points expiry, thresholds, RFM, neighbours, cohorts), in steps as the server runs it | ${round(sweepMs / 1000)} s | goal ≤ 30 s |`,
  `| the sweep's steps (a POS sale waits for one at most) | ${steps} | — |`,
  `| analytics/overview, 12 months (median of 3) | ${round(overviewMs[1]! / 1000)} s | ≤ 2 s |`,
  `| actions for one customer, first look (persists), p50 / p99 | ${round(percentile(first, 0.5))} / ${round(percentile(first, 0.99))} ms | p99 ≤ 5 ms |`,
  `| actions for one customer, repeated look, p50 / p99 | ${round(percentile(repeat, 0.5))} / ${round(percentile(repeat, 0.99))} ms | p99 ≤ 5 ms |`,
  '',
].join('\n');
console.log(report);
appendFileSync('bench/RESULTS.md', `${report}\n`);
