import { Database } from 'bun:sqlite';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainTotals } from '../../server/central/apply-store-push.ts';
import { customerCardSchema } from '../../server/contract/profile.ts';
import { syncStatusSchema } from '../../server/contract/sync.ts';
import { openCentralStorage } from '../../server/central/central-db.ts';
import { centralEngines } from '../support/central-engines.ts';
import { sale } from '../support/test-appliance.ts';
import { killAllChildren, runCli, type ServerProcess, startCentral, startServer } from '../fault/server-process.ts';
import { findEvent } from '../support/log-lines.ts';

/*
 * The chain as processes on 127.0.0.1: central (PGlite in its DATA_DIR, then the suite's PostgreSQL) and stores with
 * their own SQLite, registered with `cli store register`; `cli sync --once` pushes each store's change log,
 * the server's background sync pushes what a terminal posts afterwards, and central's totals equal the
 * stores'. With the embedded database central's store commands run while central is stopped (PGlite is
 * one process's); with DATABASE_URL they run beside it.
 */

const CHAIN_SECRET = 'chain-secret-for-tests-0123456789';
describe.each(centralEngines())('a chain of processes on $name', (engine) => {
  const root = mkdtempSync(join(tmpdir(), 'chain-'));
  const centralDir = join(root, 'central');
  const STORES = ['S001', 'S002', 'S003'] as const;
  const storeDir = (id: string) => join(root, id);
  let dbEnv: Record<string, string> = {};
  const credentials: Record<string, string> = {};
  let central: ServerProcess;

  function storeTotals(id: string): { transactions: number; total: number } {
    const db = new Database(join(storeDir(id), 'store.db'), { readonly: true });
    try {
      const r = db.query<{ n: number; total: number }, []>('SELECT count(*) AS n, coalesce(sum(total), 0) AS total FROM transactions').get()!;
      return { transactions: r.n, total: r.total };
    } finally {
      db.close();
    }
  }

  async function centralTotals() {
    const storage = await openCentralStorage({ dataDir: centralDir, databaseUrl: dbEnv.DATABASE_URL ?? null });
    try {
      return await chainTotals(storage.db);
    } finally {
      await storage.close();
    }
  }

  const syncEnv = (id: string) => ({ ...dbEnv, STORE_ID: id, CENTRAL_URL: central.url, SYNC_TOKEN: credentials[id]!, CHAIN_SECRET, SYNC_INTERVAL_S: '1' });

  beforeAll(async () => {
    const url = await engine.freshDatabaseUrl();
    dbEnv = url ? { DATABASE_URL: url } : {};
    for (const id of STORES) {
      credentials[id] = (await runCli(centralDir, ['store', 'register', '--id', id, '--name', `Store ${id}`], dbEnv)).trim();
      await runCli(storeDir(id), ['seed', '--customers', '80', '--months', '3', '--seed', String(id.charCodeAt(3))], { STORE_ID: id });
    }
    central = await startCentral(centralDir, dbEnv);
  }, 180_000);

  afterAll(async () => {
    await killAllChildren();
    rmSync(root, { recursive: true, force: true });
  });

  it('registers stores with a credential printed alone, and refuses a second registration', async () => {
    for (const id of STORES) expect(credentials[id]).toMatch(new RegExp(`^ss_${id}_[\\w-]{32}$`));
    await expect(runCli(centralDir, ['store', 'register', '--id', 'S001'], dbEnv)).rejects.toThrow(/registered already/);
  });

  it('pushes each store with `sync --once`, then what a terminal posts through the background sync', async () => {
    for (const id of STORES) await runCli(storeDir(id), ['sync', '--once'], syncEnv(id));
    // The store's saved cursor is only a hint: ahead of central (central restored from an older backup), the
    // gap answer sends it back; lost (0), central skips what it has. Either way nothing is counted twice.
    for (const hint of ['999999', '0']) {
      writeFileSync(join(storeDir('S001'), 'sync-push-cursor'), hint);
      await runCli(storeDir('S001'), ['sync', '--once'], syncEnv('S001'));
      expect(Number(readFileSync(join(storeDir('S001'), 'sync-push-cursor'), 'utf8'))).toBeLessThan(999999);
    }
    // A sync credential of another store cannot push for this one.
    await expect(runCli(storeDir('S001'), ['sync', '--once'], { ...syncEnv('S001'), SYNC_TOKEN: credentials.S002! })).rejects.toThrow(/403 forbidden/);

    const store = await startServer(storeDir('S002'), 20_000, syncEnv('S002'));
    const token = (await runCli(storeDir('S002'), ['token', 'create', '--role', 'terminal'], { STORE_ID: 'S002' })).trim();
    const logged = store.output().length;
    const res = await fetch(`${store.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify(sale({ store_id: 'S002', terminal_id: 'T9', receipt_no: 'LIVE-1', occurred_at: new Date().toISOString() })),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    // The background sync (every second here) logs each push that central applied.
    const deadline = Date.now() + 15_000;
    while (!findEvent(store.output().slice(logged), 'sync.push.done', (l) => Number(l.sent) > 0)) {
      if (Date.now() > deadline) throw new Error(`no background push within 15 s:\n${store.output()}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const manager = (await runCli(storeDir('S002'), ['token', 'create', '--role', 'manager'], { STORE_ID: 'S002' })).trim();
    const status = syncStatusSchema.parse(await (await fetch(`${store.url}/api/v1/sync/status`, { headers: { authorization: `Bearer ${manager}` } })).json());
    expect(status).toMatchObject({ enabled: true, push: { lag_changes: 0, lag_seconds: 0, last_error: null, clock_skew_ms: null } });
    expect(status.push.cursor).toBe(status.push.last_seq);
    await store.stop();
  });

  it('makes a customer who shops at two stores one person: chain-wide visits at both, an erasure at one reaches the other', async () => {
    const servers = { S001: await startServer(storeDir('S001'), 20_000, { STORE_ID: 'S001' }), S003: await startServer(storeDir('S003'), 20_000, { STORE_ID: 'S003' }) };
    const tokens: Record<string, Record<string, string>> = {};
    const customerAt: Record<string, string> = {};
    for (const id of ['S001', 'S003'] as const) {
      tokens[id] = {};
      for (const role of ['clerk', 'manager', 'terminal']) tokens[id][role] = (await runCli(storeDir(id), ['token', 'create', '--role', role], { STORE_ID: id })).trim();
      const call = (method: string, path: string, role: string, body?: unknown) =>
        fetch(`${servers[id].url}${path}`, { method, headers: { authorization: `Bearer ${tokens[id]![role]}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
      const card = id === 'S001' ? '77000001' : '77000003';
      const reg = await call('POST', '/api/v1/customers', 'clerk', { loyalty_card: card, phone: '13955550000', name: 'Zhou Yan' });
      expect(reg.status).toBe(201);
      customerAt[id] = customerCardSchema.parse(await reg.json()).id;
      for (let n = 0; n < (id === 'S001' ? 2 : 1); n++) {
        const res = await call('POST', '/api/v1/transactions', 'terminal', sale({ store_id: id, customer: { loyalty_card: card }, occurred_at: new Date(Date.now() - n * 60_000).toISOString() }));
        expect(res.status).toBe(201);
      }
    }
    const profileAt = async (id: 'S001' | 'S003') => {
      const res = await fetch(`${servers[id].url}/api/v1/customers/${customerAt[id]}`, { headers: { authorization: `Bearer ${tokens[id]!.clerk}` } });
      return { status: res.status, card: res.ok ? customerCardSchema.parse(await res.json()) : null };
    };
    // Each store pushes, then pulls what the other's push told central (the second round).
    for (let round = 0; round < 2; round++) for (const id of ['S001', 'S003']) await runCli(storeDir(id), ['sync', '--once'], syncEnv(id));
    const [at1, at3] = [(await profileAt('S001')).card!, (await profileAt('S003')).card!];
    expect(at1.chain).toMatchObject({ visits: 3, stores: ['S001', 'S003'] });
    expect(at3.chain).toEqual(at1.chain);
    expect(at1.stats.visits_total).toBe(2); // the store's own figures stay its own

    const erase = await fetch(`${servers.S001.url}/api/v1/customers/${customerAt.S001}`, { method: 'DELETE', headers: { authorization: `Bearer ${tokens.S001!.manager}` } });
    expect(erase.status).toBe(200);
    await runCli(storeDir('S001'), ['sync', '--once'], syncEnv('S001'));
    await runCli(storeDir('S003'), ['sync', '--once'], syncEnv('S003'));
    expect((await profileAt('S003')).status).toBe(410);
    const lookup = await fetch(`${servers.S003.url}/api/v1/customers/lookup?phone=13955550000`, { headers: { authorization: `Bearer ${tokens.S003!.clerk}` } });
    expect(lookup.status).toBe(404);
    for (const s of Object.values(servers)) await s.stop();
  });

  it("ends with central's counts and amounts equal to the sum of the stores'", async () => {
    for (const id of STORES) await runCli(storeDir(id), ['sync', '--once'], syncEnv(id));
    await central.stop();
    expect(await centralTotals()).toEqual(STORES.map((id) => ({ storeId: id, ...storeTotals(id) })));
  });
});
