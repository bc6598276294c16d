import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentralStorage } from '../../server/central/central-db.ts';
import { pullForStore } from '../../server/central/store-pull.ts';
import { syncStatusSchema } from '../../server/contract/sync.ts';
import { ingestResultSchema } from '../../server/contract/ingest-results.ts';
import { CHAIN_CONFIG_FILE } from '../../server/kernel/chain-config-file.ts';
import { loadConfig } from '../../server/kernel/config.ts';
import { killAllChildren, runCli, type ServerProcess, startCentral, startServer } from '../fault/server-process.ts';
import { centralEngines } from '../support/central-engines.ts';
import { sale } from '../support/test-appliance.ts';

/*
 * Chain settings from central to a store, as processes: `CENTRAL=1 cli config set` at central (PGlite, then the
 * suite's PostgreSQL), `cli sync --once` at the store, which keeps them in DATA_DIR/chain-config.json; the store
 * takes them at its next start (observable as the points a sale earns), under its own environment variables.
 */

const CHAIN_SECRET = 'chain-secret-for-tests-0123456789';

/** A sale of exactly 10 currency units: 10 points per point per unit. */
const tenUnitSale = () =>
  sale({
    lines: [{ sku: '6900000000028', name: 'Green tea 1kg', category: 'tea', quantity: 1, unit_price: 10, discount: 0, amount: 10 }],
    tenders: [{ type: 'cash', amount: 10 }],
  });

describe.each(centralEngines())('chain settings from central on $name', (engine) => {
  const root = mkdtempSync(join(tmpdir(), 'chain-settings-'));
  const centralDir = join(root, 'central');
  const storeDir = join(root, 'S001');
  let dbEnv: Record<string, string> = {};
  let credential = '';
  let central: ServerProcess | undefined;
  const tokens: Record<string, string> = {};

  const centralCli = (args: string[]) => runCli(centralDir, args, { ...dbEnv, CENTRAL: '1' });
  const syncEnv = () => ({ CENTRAL_URL: central!.url, SYNC_TOKEN: credential, CHAIN_SECRET });

  async function withStore<T>(env: Record<string, string>, use: (store: ServerProcess) => Promise<T>): Promise<T> {
    const store = await startServer(storeDir, 20_000, env);
    try {
      return await use(store);
    } finally {
      await store.stop();
    }
  }
  const call = (store: ServerProcess, method: string, path: string, token: string, body?: unknown) =>
    fetch(`${store.url}${path}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
  const statusOf = async (store: ServerProcess) => syncStatusSchema.parse(await (await call(store, 'GET', '/api/v1/sync/status', tokens.manager!)).json()).chain_settings;
  async function pointsForTenUnits(store: ServerProcess): Promise<number> {
    const res = await call(store, 'POST', '/api/v1/transactions', tokens.terminal!, tenUnitSale());
    expect(res.status, await res.clone().text()).toBe(201);
    return ingestResultSchema.parse(await res.json()).points_earned;
  }

  beforeAll(async () => {
    const url = await engine.freshDatabaseUrl();
    dbEnv = url ? { DATABASE_URL: url } : {};
    credential = (await runCli(centralDir, ['store', 'register', '--id', 'S001'], dbEnv)).trim();
    for (const role of ['terminal', 'manager']) tokens[role] = (await runCli(storeDir, ['token', 'create', '--role', role])).trim();
  }, 120_000);

  afterAll(async () => {
    await killAllChildren();
    rmSync(root, { recursive: true, force: true });
  });

  // With PGlite central's commands run while central is stopped, so these come before it starts.
  it('refuses an unknown key, a store-identity key and an invalid value at central with one line and a non-zero exit', async () => {
    for (const [args, reason] of [
      [['LOYALTY_POINTS_PER_UNIT', 'lots'], /^LOYALTY_POINTS_PER_UNIT: .*number/],
      [['LOYALTY_POINTS_PER_UNIT', '5000'], /^LOYALTY_POINTS_PER_UNIT: .*1000/],
      [['LOYALTY_TIERS', '[{"name":"A","min_points":5},{"name":"B","min_points":1}]'], /^LOYALTY_TIERS: .*ascending/],
      [['LIFECYCLE_DORMANT_DAYS', '30'], /^LIFECYCLE_DORMANT_DAYS must be longer than the active/],
      [['STORE_ID', 'S009'], /^STORE_ID: a store's own setting/],
      [['SYNC_TOKEN', 'x'.repeat(20)], /^SYNC_TOKEN: a store's own setting/],
      [['NO_SUCH_SETTING', '1'], /^NO_SUCH_SETTING: unknown/],
    ] as const) {
      const refused = centralCli(['config', 'set', ...args]);
      await expect(refused).rejects.toThrow(/exited 2/);
      const message = (await refused.catch((e: Error) => e.message)) as string;
      const stderr = message.slice(message.indexOf(' exited 2: ') + ' exited 2: '.length);
      expect(stderr.trim().split('\n')).toHaveLength(1);
      expect(stderr).toMatch(reason);
    }
    await expect(runCli(centralDir, ['config', 'set', 'LOYALTY_POINTS_PER_UNIT', '3'], dbEnv)).rejects.toThrow(/CENTRAL=1/);
    expect(JSON.parse(await centralCli(['config', 'show']))).toEqual({ version: 0, settings: {} });
  });

  it('sends a setting made at central with the next pull; the store takes it at its next start', async () => {
    expect((await centralCli(['config', 'set', 'LOYALTY_POINTS_PER_UNIT', '3', '--by', 'hq-ops'])).trim()).toBe('1');
    expect((await centralCli(['config', 'set', 'LIFECYCLE_ACTIVE_DAYS', '60'])).trim()).toBe('2');
    expect((await centralCli(['config', 'unset', 'LIFECYCLE_ACTIVE_DAYS'])).trim()).toBe('3');
    // The same value again makes no version.
    expect((await centralCli(['config', 'set', 'LOYALTY_POINTS_PER_UNIT', '3'])).trim()).toBe('3');
    expect(JSON.parse(await centralCli(['config', 'show']))).toMatchObject({ version: 3, settings: { LOYALTY_POINTS_PER_UNIT: '3' }, updated_by: expect.any(String) });
    central = await startCentral(centralDir, dbEnv);

    await withStore({}, async (store) => {
      expect(await pointsForTenUnits(store)).toBe(10);
      await runCli(storeDir, ['sync', '--once'], syncEnv());
      // Received (the three versions in order, the last one kept) but not in effect until the store starts again.
      expect(JSON.parse(readFileSync(join(storeDir, CHAIN_CONFIG_FILE), 'utf8'))).toMatchObject({ version: 3, settings: { LOYALTY_POINTS_PER_UNIT: '3' } });
      expect(await statusOf(store)).toEqual({ version: 0, received_version: 3, pending: true, applied: {}, local_overrides: [], ignored: [] });
      expect(await pointsForTenUnits(store)).toBe(10);
    });
    await withStore({}, async (store) => {
      expect(await statusOf(store)).toEqual({ version: 3, received_version: 3, pending: false, applied: { LOYALTY_POINTS_PER_UNIT: '3' }, local_overrides: [], ignored: [] });
      expect(await pointsForTenUnits(store)).toBe(30);
      // Pulling again brings nothing new, and the version stays.
      await runCli(storeDir, ['sync', '--once'], syncEnv());
      expect((await statusOf(store)).pending).toBe(false);
    });
  });

  it("lets the store's own environment override a chain setting", async () => {
    await withStore({ LOYALTY_POINTS_PER_UNIT: '5' }, async (store) => {
      expect(await statusOf(store)).toMatchObject({ version: 3, pending: false, applied: {}, local_overrides: ['LOYALTY_POINTS_PER_UNIT'] });
      expect(await pointsForTenUnits(store)).toBe(50);
    });
  });

  it('ignores and lists what this release cannot take from central, and starts with the rest', async () => {
    // As a central of a newer release could send it (this central's CLI refuses the first four).
    const file = join(storeDir, CHAIN_CONFIG_FILE);
    const received = JSON.parse(readFileSync(file, 'utf8')) as { version: number; settings: Record<string, unknown> };
    writeFileSync(file, JSON.stringify({ ...received, version: 99, settings: { ...received.settings, LOYALTY_REWARD_STYLE: 'stamps', STORE_ID: 'S777', LOYALTY_EXPIRY_DAYS: 'forever', SYNC_INTERVAL_S: 60, LIFECYCLE_DORMANT_DAYS: '100' } }));
    await withStore({ LIFECYCLE_ACTIVE_DAYS: '120' }, async (store) => {
      const status = await statusOf(store);
      expect(status).toMatchObject({ version: 99, received_version: 99, pending: false, applied: { LOYALTY_POINTS_PER_UNIT: '3' } });
      expect(Object.fromEntries(status.ignored.map((i) => [i.key, i.reason]))).toEqual({
        LOYALTY_REWARD_STYLE: 'unknown to this release',
        STORE_ID: "a store's own setting, never set chain-wide",
        LOYALTY_EXPIRY_DAYS: expect.stringMatching(/number/),
        SYNC_INTERVAL_S: 'not a text value',
        // Valid alone, but not longer than this store's own active window.
        LIFECYCLE_DORMANT_DAYS: expect.stringMatching(/must be longer than the active/),
      });
      expect(await pointsForTenUnits(store)).toBe(30);
    });
  });

  it('gives a store registered later the settings in force with its first pull', async () => {
    await central!.stop();
    await runCli(centralDir, ['store', 'register', '--id', 'S002'], dbEnv);
    const storage = await openCentralStorage({ dataDir: centralDir, databaseUrl: dbEnv.DATABASE_URL ?? null });
    try {
      const { items } = await pullForStore(storage.db, 'S002', 0, 100);
      expect(items.filter((i) => i.kind === 'config').map((i) => i.payload)).toEqual([{ version: 3, settings: { LOYALTY_POINTS_PER_UNIT: '3' }, updated_at: expect.any(Number) }]);
    } finally {
      await storage.close();
    }
  });
});

describe('chain settings in the config module', () => {
  it('puts the environment before the chain and the chain before the defaults', () => {
    const chain = { version: 4, settings: { LOYALTY_POINTS_PER_UNIT: '3', LOYALTY_EXPIRY_DAYS: '180', LIFECYCLE_PERSONAL_GAP: '1' } };
    const config = loadConfig({ LOYALTY_EXPIRY_DAYS: '90' }, chain);
    expect(config).toMatchObject({ LOYALTY_POINTS_PER_UNIT: 3, LOYALTY_EXPIRY_DAYS: 90, LIFECYCLE_PERSONAL_GAP: true, LOYALTY_RETURN_WINDOW_DAYS: 14 });
    expect(config.chainSettings).toEqual({ version: 4, applied: { LOYALTY_POINTS_PER_UNIT: '3', LIFECYCLE_PERSONAL_GAP: '1' }, localOverrides: ['LOYALTY_EXPIRY_DAYS'], ignored: [] });
  });

  it('still refuses a bad environment, whatever the chain sends', () => {
    expect(() => loadConfig({ LOYALTY_POINTS_PER_UNIT: 'x' }, { version: 1, settings: { LOYALTY_POINTS_PER_UNIT: '2' } })).toThrow(/LOYALTY_POINTS_PER_UNIT/);
  });
});
