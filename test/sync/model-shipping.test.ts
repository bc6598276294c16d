import { Database } from 'bun:sqlite';
import { createHash } from 'node:crypto';
import { createServer } from 'node:net';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chainHistories } from '../../server/central/chain-histories.ts';
import { type CentralDb, type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { publishModelVersion } from '../../server/central/model-versions.ts';
import { modelVersions, storeOutbox } from '../../server/central/schema.ts';
import { syncStatusSchema } from '../../server/contract/sync.ts';
import { modelSetName } from '../../server/scoring/serving/model-registry.ts';
import { centralEngines } from '../support/central-engines.ts';
import { killAllChildren, runCli, type ServerProcess, startCentral, startServer } from '../fault/server-process.ts';
import { findEvent } from '../support/log-lines.ts';

/*
 * Models trained at central and shipped to the stores, as processes on 127.0.0.1: a store pushes its history,
 * `CENTRAL=1 cli train --from-db` trains on the chain's histories and publishes a version, the store's
 * `sync --once` downloads it, checks every file's sha256 and serves it; a store registered later gets it on its
 * first pull; a file altered at central is refused (nothing installed, the pull cursor stays, the store's sync
 * status says why) until it is right again; `cli models rollback` brings back the previous set, and a later
 * pull does not reinstall the one rolled back. On PGlite (central stopped while its CLI runs: the embedded
 * database is one process's) and on the suite's PostgreSQL server.
 */

const CHAIN_SECRET = 'chain-secret-for-tests-0123456789';

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** Waits until the running store's log says it serves `name` (its registry polls every MODELS_POLL_SECONDS). */
async function servedBy(server: ServerProcess, name: string, since: number): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!findEvent(server.output().slice(since), 'models.serving', (l) => String(l.version).startsWith(`${name}@`))) {
    if (Date.now() > deadline) throw new Error(`the store did not swap to ${name} within 20 s:\n${server.output().slice(since)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe.each(centralEngines())('models shipped from central on $name', (engine) => {
  const root = mkdtempSync(join(tmpdir(), 'models-ship-'));
  const centralDir = join(root, 'central');
  const storeDir = (id: string) => join(root, id);
  const modelsOf = (id: string) => join(storeDir(id), 'models');
  let dbEnv: Record<string, string> = {};
  const credentials: Record<string, string> = {};
  let central: ServerProcess | null = null;
  /** Central's env: its database and one port across restarts, so a running store keeps reaching it. */
  let centralEnv: Record<string, string> = {};
  let store: ServerProcess | null = null;
  let first = '';
  let second = '';

  const syncEnv = (id: string) => ({ ...dbEnv, STORE_ID: id, CENTRAL_URL: `http://127.0.0.1:${centralEnv.PORT}`, SYNC_TOKEN: credentials[id]!, CHAIN_SECRET, SYNC_INTERVAL_S: '1' });
  const sync = (id: string) => runCli(storeDir(id), ['sync', '--once'], syncEnv(id));
  const modelsList = async (id: string) =>
    (await runCli(storeDir(id), ['models', 'list'], { STORE_ID: id }))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { name: string; version: string; serving: boolean; shipped: boolean });
  const serving = async (id: string) => (await modelsList(id)).find((s) => s.serving)!.version;

  /**
   * Work on central's database and with its CLI: on PGlite with central stopped (the embedded database is one
   * process's) and started again afterwards; beside the running central on a PostgreSQL server.
   */
  async function atCentral<T>(work: (c: { db(): Promise<CentralDb>; cli(args: string[], env?: Record<string, string>): Promise<string> }) => Promise<T>): Promise<T> {
    const embedded = engine.name === 'pglite';
    if (embedded) {
      await central?.stop();
      central = null;
    }
    const held: { storage: CentralStorage | null } = { storage: null };
    try {
      return await work({
        async db() {
          held.storage ??= await openCentralStorage({ dataDir: centralDir, databaseUrl: dbEnv.DATABASE_URL ?? null });
          return held.storage.db;
        },
        async cli(args, env = {}) {
          await held.storage?.close();
          held.storage = null;
          return runCli(centralDir, args, { ...dbEnv, ...env });
        },
      });
    } finally {
      await held.storage?.close();
      if (embedded) central = await startCentral(centralDir, centralEnv);
    }
  }
  function pullCursor(id: string): number {
    const db = new Database(join(storeDir(id), 'store.db'), { readonly: true });
    try {
      return Number(db.query<{ value: string }, []>("SELECT value FROM store_metrics WHERE key = 'sync.pull_cursor'").get()?.value ?? 0);
    } finally {
      db.close();
    }
  }
  const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

  beforeAll(async () => {
    const url = await engine.freshDatabaseUrl();
    dbEnv = url ? { DATABASE_URL: url } : {};
    centralEnv = { ...dbEnv, PORT: String(await freePort()) };
    credentials.S001 = (await runCli(centralDir, ['store', 'register', '--id', 'S001'], dbEnv)).trim();
    await runCli(storeDir('S001'), ['seed', '--customers', '150', '--months', '6', '--seed', '7'], { STORE_ID: 'S001' });
    central = await startCentral(centralDir, centralEnv);
    await sync('S001');
  }, 240_000);

  afterAll(async () => {
    await killAllChildren();
    rmSync(root, { recursive: true, force: true });
  });

  it("trains on the chain's histories at central and publishes a version to every store", async () => {
    const store = new Database(join(storeDir('S001'), 'store.db'), { readonly: true });
    const identified = store.query<{ n: number; customers: number }, [number]>('SELECT count(*) AS n, count(DISTINCT customer_id) AS customers FROM transactions WHERE customer_id IS NOT NULL AND occurred_at <= ?').get(Date.now())!;
    store.close();
    const published = await atCentral(async (c) => {
      const histories = await chainHistories(await c.db(), Date.now(), 97);
      // Paged by 97 transactions, every identified transaction of the store is one basket of one global customer.
      expect([...histories.values()].reduce((n, h) => n + h.baskets.length, 0)).toBe(identified.n);
      expect(histories.size).toBe(identified.customers);
      for (const h of histories.values()) expect(h.baskets.every((b, i) => i === 0 || h.baskets[i - 1]!.at <= b.at)).toBe(true);

      first = (await c.cli(['train', '--from-db'], { CENTRAL: '1' })).trim();
      const db = await c.db();
      return { versions: await db.select().from(modelVersions), outbox: await db.select().from(storeOutbox).where(sql`${storeOutbox.kind} = 'model'`) };
    });
    expect(first).toMatch(/^\d{4}-\d{2}-\d{2}T\d{4}Z-hq$/);
    expect(published.versions.map((v) => v.version)).toEqual([first]);
    const files = published.versions[0]!.files as { name: string }[];
    // The manifest, the ranker, and an ONNX file only for a target whose chosen candidate needs one (a baseline or
    // BG/NBD alone has none: models/EVAL.md).
    expect(files.map((f) => f.name)).toEqual(expect.arrayContaining(['customer-models.json', 'ranker.onnx', 'p_purchase.card.json', 'expected_purchases.card.json']));
    expect(published.outbox.map((o) => [o.storeId, (o.payload as { version: string }).version])).toEqual([['S001', first]]);
    expect(existsSync(join(centralDir, 'models-staging'))).toBe(true);
    expect(readdirSync(join(centralDir, 'models-staging'))).toEqual([]);
  }, 240_000);

  it('reaches the store with `sync --once`: every file checked, and the store serves it', async () => {
    expect(await serving('S001')).toMatch(/^default@/);
    await sync('S001');
    const listed = (await atCentral(async (c) => (await c.db()).select().from(modelVersions)))[0]!.files as { name: string; bytes: number; sha256: string }[];
    for (const f of listed) expect(sha(join(modelsOf('S001'), first, f.name))).toBe(f.sha256);
    expect(readdirSync(modelsOf('S001'))).toEqual([first]);
    expect(await serving('S001')).toMatch(new RegExp(`^${first}@`));
    const rescored = JSON.parse(await runCli(storeDir('S001'), ['rescore'], { STORE_ID: 'S001' })) as { version: string; customers: number };
    expect(rescored.version.startsWith(`${first}@`)).toBe(true);
    expect(rescored.customers).toBeGreaterThan(100);
  }, 240_000);

  it('reaches a store registered later on its first pull', async () => {
    credentials.S002 = (await atCentral((c) => c.cli(['store', 'register', '--id', 'S002']))).trim();
    await runCli(storeDir('S002'), ['seed', '--customers', '5', '--months', '1'], { STORE_ID: 'S002' });
    await sync('S002');
    expect(readdirSync(modelsOf('S002'))).toEqual([first]);
    expect(await serving('S002')).toMatch(new RegExp(`^${first}@`));
  }, 240_000);

  it('refuses a file that does not match its sha256: nothing installed, the cursor stays, the status says why', async () => {
    second = `${modelSetName(Date.now() + 120_000)}-hq`;
    const dir = join(modelsOf('S001'), first);
    const modelItem = await atCentral(async (c) => {
      const db = await c.db();
      const files = readdirSync(dir).map((name) => ({ name, content: readFileSync(join(dir, name)) }));
      await publishModelVersion(db, { version: second, card: { test: true }, files }, Date.now());
      // One byte of a model changes at central after it was published (a disk fault, a hand edit): the ranker, which every set has.
      await db.execute(sql`UPDATE model_files SET content = set_byte(content, 100, (get_byte(content, 100) + 1) % 256) WHERE version = ${second} AND name = 'ranker.onnx'`);
      const [item] = await db.select({ id: storeOutbox.id }).from(storeOutbox).where(sql`${storeOutbox.storeId} = 'S001' AND ${storeOutbox.payload}->>'version' = ${second}`);
      const [before] = await db.select({ id: sql<number>`max(${storeOutbox.id})`.mapWith(Number) }).from(storeOutbox).where(sql`${storeOutbox.storeId} = 'S001' AND ${storeOutbox.id} < ${item!.id}`);
      return { id: item!.id, before: before!.id };
    });
    await expect(sync('S001')).rejects.toThrow(/ranker\.onnx has sha256 [0-9a-f]{64}, central listed [0-9a-f]{64}; not installed/);
    // What came before the model item is applied; the cursor stops right before it.
    expect(pullCursor('S001')).toBe(modelItem.before);
    expect(readdirSync(modelsOf('S001'))).toEqual([first]);
    expect(await serving('S001')).toMatch(new RegExp(`^${first}@`));

    // The running store's background sync keeps failing on it, and its sync status says so.
    store = await startServer(storeDir('S001'), 30_000, { ...syncEnv('S001'), MODELS_POLL_SECONDS: '1' });
    const running = store;
    const manager = (await runCli(storeDir('S001'), ['token', 'create', '--role', 'manager'], { STORE_ID: 'S001' })).trim();
    const status = async () => syncStatusSchema.parse(await (await fetch(`${running.url}/api/v1/sync/status`, { headers: { authorization: `Bearer ${manager}` } })).json());
    let deadline = Date.now() + 20_000;
    let last = await status();
    while (!last.pull.last_error && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      last = await status();
    }
    expect(last.pull.last_error).toMatch(/ranker\.onnx has sha256/);
    expect(last.pull.cursor).toBe(modelItem.before);
    // (A `<version>.<pid>.tmp` of the attempt in progress may be there: never served, removed when it fails.)
    expect(readdirSync(modelsOf('S001')).filter((name) => !name.endsWith('.tmp'))).toEqual([first]);

    // Put right at central: the running store's next pull installs it, and it swaps to it without a restart.
    const logged = running.output().length;
    await atCentral(async (c) =>
      (await c.db()).execute(sql`UPDATE model_files SET content = set_byte(content, 100, (get_byte(content, 100) + 255) % 256) WHERE version = ${second} AND name = 'ranker.onnx'`),
    );
    await servedBy(running, second, logged);
    deadline = Date.now() + 20_000;
    while ((last = await status()).pull.last_error !== null && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(last.pull.last_error).toBeNull();
    expect(pullCursor('S001')).toBeGreaterThanOrEqual(modelItem.id);
    expect(readdirSync(modelsOf('S001')).sort()).toEqual([first, second]);
    expect(await serving('S001')).toMatch(new RegExp(`^${second}@`));
  }, 240_000);

  it('rolls back to the previous set, which a later pull does not undo, and says when there is nothing to roll back to', async () => {
    const firstVersion = (await modelsList('S001')).find((s) => s.name === first)!.version;
    const logged = store!.output().length;
    expect((await runCli(storeDir('S001'), ['models', 'rollback'], { STORE_ID: 'S001' })).trim()).toBe(firstVersion);
    expect(await serving('S001')).toBe(firstVersion);
    await servedBy(store!, first, logged);
    await store!.stop();
    expect(existsSync(join(modelsOf('S001'), `${second}.rolled-back`))).toBe(true);

    // The store pulls everything again from the start (a lost cursor): the rolled-back version stays out.
    const db = new Database(join(storeDir('S001'), 'store.db'));
    db.run("DELETE FROM store_metrics WHERE key = 'sync.pull_cursor'");
    db.close();
    await sync('S001');
    expect(existsSync(join(modelsOf('S001'), second))).toBe(false);
    expect(await serving('S001')).toBe(firstVersion);

    expect((await runCli(storeDir('S001'), ['models', 'rollback'], { STORE_ID: 'S001' })).trim()).toMatch(/^default@/);
    await expect(runCli(storeDir('S001'), ['models', 'rollback'], { STORE_ID: 'S001' })).rejects.toThrow(/no model set to roll back: the shipped set default serves/);
  }, 240_000);
});
