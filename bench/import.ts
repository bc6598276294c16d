/**
 * npm run bench:import [-- --file <lines.csv|.csv.gz>]
 * The real `cli import` in its own process: Ta-Feng's lines into an empty database, then the same file
 * again (every transaction a duplicate). Prints lines/s and peak RSS; appends them to bench/RESULTS.md.
 */
import { appendFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { machineLine, round } from './support/machine.ts';

const { values } = parseArgs({ options: { file: { type: 'string', default: '../shared/datasets/tafeng/lines.csv.gz' } } });
const file = values.file;
const dataDir = join('.tmp', 'bench-import');
rmSync(dataDir, { recursive: true, force: true });
mkdirSync(dataDir, { recursive: true });

interface Run { seconds: number; lines: number; transactions: number; duplicates: number; peakRssMiB: number }

async function importOnce(): Promise<Run> {
  const t0 = performance.now();
  const child = Bun.spawn([process.execPath, 'server/cli/index.ts', 'import', file, '--json'], {
    env: { ...process.env, DATA_DIR: dataDir, STORE_DEMO: '0' },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const out = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error(`import failed: ${out}`);
  const seconds = (performance.now() - t0) / 1000;
  const summary = JSON.parse(out) as { lines: number; transactions: number; duplicates: number };
  const peakRssMiB = Math.round((child.resourceUsage()?.maxRSS ?? 0) / 2 ** 20); // Bun reports bytes
  return { seconds, ...summary, peakRssMiB };
}

const fresh = await importOnce();
const again = await importOnce();
// The second run stores nothing, so its rate is counted over the file's lines (those of the first run).
const rate = (lines: number, seconds: number) => Math.round(lines / seconds);
const report = [
  `## bench:import — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${machineLine()}. Command: \`npm run bench:import -- --file ${file}\` (wall time of the whole \`cli import\` process, start-up included).`,
  '',
  '| run | lines | transactions | seconds | lines/s | peak RSS | target |',
  '|---|---|---|---|---|---|---|',
  `| into an empty database | ${fresh.lines} | ${fresh.transactions} new | ${round(fresh.seconds)} | ${rate(fresh.lines, fresh.seconds)} | ${fresh.peakRssMiB} MiB | ≥ 100,000 lines/s, aim 250,000 |`,
  `| again (all duplicates) | ${fresh.lines} | ${again.duplicates} duplicates | ${round(again.seconds)} | ${rate(fresh.lines, again.seconds)} | ${again.peakRssMiB} MiB | — |`,
  '',
].join('\n');
console.log(report);
appendFileSync('bench/RESULTS.md', `${report}\n`);
