import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { emptyLoadRecord, runPosLoad } from './pos-load.ts';
import { runCli, startServer } from './server-process.ts';
import { checkAcknowledged, checkNoStrangers, checkPoints, openStore } from './store-checks.ts';
import { dataDirsRemovedAfterAll, faultSeed, sleep } from './fault-run.ts';

/*
 * "A backup taken during a bench:ingest-style load restores to a database holding every sale acknowledged
 * before the backup began, and passes PRAGMA integrity_check." The real server takes POS load through HTTP
 * (test/fault/pos-load.ts: sales, returns, batches, re-posts, merges); `cli backup` runs in the middle of it;
 * the backup is restored by `cli restore` into a new DATA_DIR and read there.
 */

const SEED = faultSeed('backup-under-load');
const dirs = dataDirsRemovedAfterAll();

describe('a backup taken under POS load', () => {
  it('restores every sale acknowledged before it began, intact', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-backup-load-'));
    const restoredDir = mkdtempSync(join(tmpdir(), 'store-restored-'));
    dirs.push(dir, restoredDir);
    const token = (await runCli(dir, ['token', 'create', '--role', 'terminal', '--name', 'load'])).trim();
    const server = await startServer(dir);
    const record = emptyLoadRecord();
    const loading = runPosLoad({ url: server.url, token, seed: SEED, posters: 12, tag: SEED.toString(36), deadlineMs: 60_000, record });
    let loadOver = false;
    void loading.finally(() => (loadOver = true));
    /** Waits until `n` transactions are acknowledged (or the load has ended or gone wrong: the checks below say so). */
    const acknowledged = async (n: number) => {
      while (record.acked.size < n && record.problems.length === 0 && !loadOver) await sleep(20);
    };

    // Let the load get going, then note what is acknowledged at the moment the backup begins.
    await acknowledged(300);
    const ackedBefore = new Map(record.acked);
    const backup = join(dir, 'mid-load.db.zst');
    expect((await runCli(dir, ['backup', '--out', backup])).trim()).toBe(backup);
    const ackedAtEnd = record.acked.size;
    // And the load went on after the backup: the store kept serving while it was taken.
    await acknowledged(ackedAtEnd + 100);
    const stopped = await server.stop();
    const load = await loading;
    expect(stopped.code, server.output()).toBe(0);
    expect(load.problems, server.output()).toEqual([]);

    await runCli(restoredDir, ['restore', backup]);
    const db = openStore(restoredDir);
    try {
      expect(db.query<{ integrity_check: string }, []>('PRAGMA integrity_check').all()).toEqual([{ integrity_check: 'ok' }]);
      expect(checkAcknowledged(db, ackedBefore)).toEqual([]);
      const sent = new Set([...load.acked.keys(), ...load.unanswered.keys(), ...load.refused.keys()]);
      expect(checkNoStrangers(db, sent)).toEqual([]);
      // One snapshot: the points of everything in it add up (ledger = balance = spendable + pending).
      expect(checkPoints(db, Date.now())).toEqual([]);
      const stored = db.query<{ n: number }, []>('SELECT count(*) AS n FROM transactions').get()!.n;
      expect(ackedBefore.size).toBeGreaterThanOrEqual(300);
      expect(stored).toBeGreaterThanOrEqual(ackedBefore.size);
      expect(stored).toBeLessThan(load.acked.size);
      console.log(`  ${ackedBefore.size} acknowledged before the backup, ${stored} in it, ${load.acked.size} acknowledged in all`);
    } finally {
      db.close();
    }
  }, 120_000);
});
