import { appendFileSync, closeSync, copyFileSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { openAppliance } from '../../server/app/appliance.ts';
import { testConfig } from '../../server/kernel/config.ts';
import { rebuildEverything } from '../../server/orchestration/rebuild.ts';
import { writeBigStore } from './big-store.ts';

/** The day the generated stores end; benchmarks run "a day later". */
export const BIG_STORE_NOW = Date.parse('2026-11-22T12:00:00+08:00');

/** How many migrations the schema has: a cached store built before the latest one is built again. */
function schemaVersion(): number {
  const journal = JSON.parse(readFileSync(join(import.meta.dir, '../../server/db/migrations/meta/_journal.json'), 'utf8')) as { entries: unknown[] };
  return journal.entries.length;
}

/**
 * A generated store with derived tables rebuilt, cached under .tmp (building 20M lines takes minutes),
 * copied to a fresh run directory each time so a benchmark never changes the cached one.
 */
export function bigStoreFixture(
  spec: { customers: number; lines: number; runDir: string; cacheName?: string; now?: number },
  log: (s: string) => void,
): string {
  const now = spec.now ?? BIG_STORE_NOW;
  const baseDir = join('.tmp', `${spec.cacheName ?? 'bench-intel'}-${spec.customers}-${spec.lines}-m${schemaVersion()}`);
  if (!existsSync(join(baseDir, 'ready'))) {
    rmSync(baseDir, { recursive: true, force: true });
    mkdirSync(baseDir, { recursive: true });
    const t0 = performance.now();
    const deps = openAppliance(testConfig({ DATA_DIR: baseDir }), () => now);
    deps.sqlite.exec('PRAGMA synchronous = OFF'); // building the fixture only
    writeBigStore(deps.sqlite, { customers: spec.customers, lines: spec.lines, now }, log);
    log('rebuilding derived tables');
    const r = rebuildEverything(deps, now);
    log(`rebuild: ${r.ms} ms`);
    deps.sqlite.exec('PRAGMA wal_checkpoint(TRUNCATE)');
    deps.sqlite.close();
    appendFileSync(join(baseDir, 'ready'), `${Math.round(performance.now() - t0)} ms\n`);
  }
  rmSync(spec.runDir, { recursive: true, force: true });
  mkdirSync(spec.runDir, { recursive: true });
  const copy = join(spec.runDir, 'store.db');
  copyFileSync(join(baseDir, 'store.db'), copy);
  // On disk before the benchmark starts: otherwise SQLite's first sync of the file (at the first write)
  // pays for writing back the whole fresh copy, most of a second that no store ever sees.
  const fd = openSync(copy, 'r+');
  fsyncSync(fd);
  closeSync(fd);
  return spec.runDir;
}
