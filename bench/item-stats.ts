/**
 * npm run bench:item-stats [-- --customers N --lines L | --store DIR]
 * On a generated store (default 1M customers / 20M lines, the cached fixture of bench:intelligence): the cost
 * of computing the ranker's item context from the store's own sales — whole time, steps as the server runs
 * them (each a write of its own: the longest a POS sale waits for it), the stored JSON's size, and the time a
 * scoring connection takes to load it again. `--store DIR`: a store directory of your own instead (it is
 * written to: use a copy). Prints the figures and appends them to bench/RESULTS.md.
 */
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { openAppliance } from '../server/app/appliance.ts';
import { runStepwise } from '../server/db/sweep-steps.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { testConfig } from '../server/kernel/config.ts';
import { saveStoreItemStats, storeItemContext, storeItemStatsSteps } from '../server/scoring/serving/store-item-stats.ts';
import { BIG_STORE_NOW, bigStoreFixture } from './support/big-store-fixture.ts';
import { machineLine, percentile, round } from './support/machine.ts';
import { timedSteps } from './support/timed-steps.ts';

const { values } = parseArgs({ options: { customers: { type: 'string', default: '1000000' }, lines: { type: 'string', default: '20000000' }, store: { type: 'string' } } });
const customers = Number(values.customers);
const lines = Number(values.lines);
const now = BIG_STORE_NOW + DAY_MS;
const log = (s: string) => console.error(`[bench] ${s}`);

const runDir = values.store ?? bigStoreFixture({ customers, lines, runDir: join('.tmp', 'bench-item-stats-run') }, log);
const deps = openAppliance(testConfig({ DATA_DIR: runDir }), () => now);

const { run: oneStep, stepMs } = timedSteps(deps.sqlite);
let t0 = performance.now();
const computed = await runStepwise(oneStep, storeItemStatsSteps(deps.sqlite, now));
const computeMs = performance.now() - t0;
t0 = performance.now();
const state = deps.sqlite.transaction(() => saveStoreItemStats(deps.sqlite, computed, now))();
const saveMs = performance.now() - t0;
const bytes = (deps.sqlite.query("SELECT length(value) AS n FROM store_metrics WHERE key = 'item_stats'").get() as { n: number }).n;
// A scoring connection's first use after a new computation (what each scoring thread pays once).
t0 = performance.now();
storeItemContext(deps.sqlite)();
const loadMs = performance.now() - t0;
// And every later use: the one small read that finds the context unchanged.
const reader = storeItemContext(deps.sqlite);
reader();
t0 = performance.now();
for (let i = 0; i < 1000; i++) reader();
const checkUs = ((performance.now() - t0) / 1000) * 1000;
deps.sqlite.close();

stepMs.sort((a, b) => a - b);
const line =
  `item context (${customers} customers / ${lines} lines; ${state.items} items over ${state.baskets} baskets): ` +
  `computed in ${round(computeMs / 1000)} s as ${stepMs.length} steps (p50 ${round(percentile(stepMs, 0.5))} / p99 ${round(percentile(stepMs, 0.99))} / max ${round(stepMs[stepMs.length - 1]!)} ms); ` +
  `stored ${round(bytes / 2 ** 20)} MiB JSON in ${Math.round(saveMs)} ms; a scoring connection loads it in ${Math.round(loadMs)} ms, then checks it in ${round(checkUs)} µs per call`;
console.log(line);
appendFileSync(join(import.meta.dir, 'RESULTS.md'), `\n## bench:item-stats — ${new Date().toISOString().slice(0, 10)}\n${machineLine()}\n- ${line}\n`);
