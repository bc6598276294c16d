import { Database } from 'bun:sqlite';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chainTotals } from '../../server/central/apply-store-push.ts';
import { openCentralStorage } from '../../server/central/central-db.ts';
import { syncStatusSchema } from '../../server/contract/sync.ts';
import { dbPath } from '../../server/db/open.ts';
import { killAllChildren, runCli, startCentral, startServer } from '../fault/server-process.ts';
import { centralEngines } from '../support/central-engines.ts';
import { cliSync } from '../support/cli-sync.ts';
import { findEvent } from '../support/log-lines.ts';
import { sale } from '../support/test-appliance.ts';

/*
 * A store restored from a backup after central took later changes: its change log starts again from the
 * backup's last number, numbers central already holds for the facts the restore threw away. The next push
 * must move the store's log past central's cursor so the sales made after the restore reach central, once.
 */

const CHAIN_SECRET = 'chain-secret-for-tests-0123456789';
const roots: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function storeTotals(dir: string): { transactions: number; total: number } {
  const db = new Database(dbPath(dir), { readonly: true });
  try {
    const r = db.query<{ n: number; total: number }, []>('SELECT count(*) AS n, coalesce(sum(total), 0) AS total FROM transactions').get()!;
    return { transactions: r.n, total: r.total };
  } finally {
    db.close();
  }
}

describe.each(centralEngines())('a store restored from a backup, central on $name', (engine) => {
  it('sends the sales made after the restore to central, and counts nothing twice', async () => {
    const root = mkdtempSync(join(tmpdir(), 'restore-chain-'));
    roots.push(root);
    const centralDir = join(root, 'central');
    const dir = join(root, 'S001');
    const url = await engine.freshDatabaseUrl();
    const dbEnv: Record<string, string> = url ? { DATABASE_URL: url } : {};
    const credential = (await runCli(centralDir, ['store', 'register', '--id', 'S001', '--name', 'Store S001'], dbEnv)).trim();
    const central = await startCentral(centralDir, dbEnv);
    const syncEnv = { ...dbEnv, CENTRAL_URL: central.url, SYNC_TOKEN: credential, CHAIN_SECRET };
    const sync = () => runCli(dir, ['sync', '--once'], syncEnv);
    const token = (await runCli(dir, ['token', 'create', '--role', 'terminal', '--name', 'till'])).trim();
    const post = async (base: string, receipt: string) => {
      const res = await fetch(`${base}/api/v1/transactions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(sale({ receipt_no: receipt, occurred_at: new Date().toISOString() })),
      });
      expect(res.status, await res.text()).toBe(201);
    };

    // The store serves without a background sync of its own: each push here is a `sync --once`.
    let store = await startServer(dir);
    for (const r of ['A1', 'A2', 'A3']) await post(store.url, r);
    await sync();
    const backup = (await runCli(dir, ['backup'])).trim();
    for (const r of ['A4', 'A5', 'A6']) await post(store.url, r);
    await sync();
    const perSale = storeTotals(dir).total / 6;
    expect((await store.stop()).code).toBe(0);

    const restoreOut = runRestore(dir, backup);
    expect(restoreOut).toMatch(/erasures made since .*\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z.* must be made again/);
    expect(storeTotals(dir).transactions).toBe(3);

    store = await startServer(dir);
    for (const r of ['N1', 'N2']) await post(store.url, r);
    expect((await store.stop()).code).toBe(0);
    const pushed = runSyncOnce(dir, syncEnv);
    expect(pushed).toMatch(/warning: restore detected: central holds changes up to \d+, this store's log ended at \d+/);
    expect(existsSync(join(dir, 'sync-restored-from.json'))).toBe(false);
    // Once settled, a push neither moves the log again nor sends anything twice.
    expect(runSyncOnce(dir, syncEnv)).not.toMatch(/restore/);

    // The store's status keeps the record of the move (its log's row, across restarts).
    store = await startServer(dir);
    const manager = (await runCli(dir, ['token', 'create', '--role', 'manager'])).trim();
    const status = syncStatusSchema.parse(await (await fetch(`${store.url}/api/v1/sync/status`, { headers: { authorization: `Bearer ${manager}` } })).json());
    expect((await store.stop()).code).toBe(0);
    expect(status.push.restored_gap).toMatchObject({ moved_changes: expect.any(Number) });
    const gap = status.push.restored_gap!;
    expect(gap.central_cursor).toBeGreaterThan(gap.store_last_seq);
    expect(gap.moved_changes).toBeGreaterThan(0);
    expect(status.push.cursor).toBe(status.push.last_seq);

    // Again, with the server's background sync settling the restore while terminals sell (its own writer connection).
    store = await startServer(dir);
    const backup2 = (await runCli(dir, ['backup'])).trim();
    await post(store.url, 'X1');
    expect((await store.stop()).code).toBe(0);
    await sync();
    runRestore(dir, backup2);
    store = await startServer(dir, 20_000, { ...syncEnv, SYNC_INTERVAL_S: '1' });
    await post(store.url, 'Y1');
    const deadline = Date.now() + 15_000;
    while (!findEvent(store.output(), 'sync.push.done', (l) => Number(l.sent) > 0)) {
      if (Date.now() > deadline) throw new Error(`no background push within 15 s:\n${store.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(findEvent(store.output(), 'sync.push.restored_gap')).toBeTruthy();
    expect((await store.stop()).code).toBe(0);

    await central.stop();
    const storage = await openCentralStorage({ dataDir: centralDir, databaseUrl: dbEnv.DATABASE_URL ?? null });
    try {
      // A1–A6 (A4–A6 are the chain's record of what the restore threw away here), N1, N2, X1 (thrown away by the
      // second restore) and Y1: each once.
      expect(await chainTotals(storage.db)).toEqual([{ storeId: 'S001', transactions: 10, total: Math.round(perSale * 10) }]);
    } finally {
      await storage.close();
    }
    expect(storeTotals(dir).transactions).toBe(6);
  }, 180_000);
});

/** `cli restore`: what it tells the operator (stderr). */
const runRestore = (dir: string, backup: string) => cliStderr(dir, ['restore', backup], {});
/** `cli sync --once`: what it tells the operator (stderr). */
const runSyncOnce = (dir: string, env: Record<string, string>) => cliStderr(dir, ['sync', '--once'], env);

function cliStderr(dir: string, args: string[], env: Record<string, string>): string {
  const out = cliSync(dir, args, { STORE_ID: 'S001', ...env });
  expect(out.status, out.stderr).toBe(0);
  return out.stderr;
}
