import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStorePush } from '../../server/central/apply-store-push.ts';
import { createCentralApp } from '../../server/central/central-app.ts';
import { type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { createCentralToken } from '../../server/central/central-tokens.ts';
import { csvHeader, csvRow } from '../../server/central/hq-export.ts';
import { csvCell } from '../../server/kernel/csv-cell.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { pullForStore } from '../../server/central/store-pull.ts';
import { errorBodySchema } from '../../server/contract/errors.ts';
import { type HqProfile, hqErasureSchema, hqProfilePageSchema, hqProfileSchema, hqStoreAnalyticsSchema } from '../../server/contract/hq.ts';
import { customerCardSchema } from '../../server/contract/profile.ts';
import { testConfig } from '../../server/kernel/config.ts';
import { applyPulled, pullContextOf } from '../../server/orchestration/sync-pull.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import { killAllChildren, runCli, startCentral } from '../fault/server-process.ts';
import { centralEngines } from '../support/central-engines.ts';
import { parseWith } from '../support/json-of.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';
import { silentLogger } from '../../server/kernel/log.ts';

/*
 * Headquarters' API over central's PostgreSQL (PGlite, and the suite's server when it has one), fed by two
 * in-process stores through the real push: one customer shares a phone across both stores, the others are
 * customers of one store. The HQ API is called through central's real Hono app.
 */

const SKEW_MS = 5 * 60_000;
const policy = { chainSecret: 'chain-secret-for-tests-0123456789', piiTransfer: false };
const PHONE = '13912345678';
type StoreId = 'S001' | 'S002';

describe.each(centralEngines())('the HQ API on $name', (engine) => {
  let central: CentralStorage;
  let dataDir: string;
  let app: ReturnType<typeof createCentralApp>;
  const tokens = { hq: '', admin: '', store: '' };
  const stores: Record<StoreId, TestAppliance> = {} as never;
  const sharedAt: Record<string, string> = {};
  const cursors: Record<StoreId, number> = { S001: 0, S002: 0 };
  let card = 0;

  async function push(id: StoreId) {
    const t = stores[id];
    const batch = outboundBatch(t.deps.sqlite, { storeId: id, after: cursors[id], limit: 10_000, policy, hlc: '000000000001000-0000-x', now: t.clock() });
    const outcome = await applyStorePush(central.db, batch, t.clock(), SKEW_MS);
    if (outcome.status !== 'applied') throw new Error('gap');
    cursors[id] = outcome.cursor;
  }

  async function buy(id: StoreId, loyaltyCard: string | null, over: Record<string, unknown> = {}) {
    const t = stores[id];
    t.clock.advance(3_600_000);
    const body = sale({ store_id: id, customer: loyaltyCard === null ? undefined : { loyalty_card: loyaltyCard }, occurred_at: new Date(t.clock()).toISOString(), ...over });
    const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body });
    expect(res.status).toBe(201);
    return body;
  }

  async function hq(method: string, path: string, token: string | null = tokens.hq) {
    const res = await app.request(path, { method, headers: token === null ? {} : { authorization: `Bearer ${token}` } });
    const text = await res.text();
    return { status: res.status, text, json: (): unknown => JSON.parse(text), type: res.headers.get('content-type') };
  }

  async function allPages(limit: number, query = ''): Promise<HqProfile[]> {
    const items: HqProfile[] = [];
    let cursor: string | null = null;
    do {
      const res = await hq('GET', `/api/hq/v1/profiles?limit=${limit}${query}${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      const page = parseWith(hqProfilePageSchema, res.json(), 'profiles');
      expect(page.items.length).toBeLessThanOrEqual(limit);
      items.push(...page.items);
      cursor = page.next_cursor;
    } while (cursor !== null);
    return items;
  }

  const sharedGlobal = async () => {
    const all = await allPages(1000);
    return all.find((p) => p.stores.length === 2)!;
  };

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'central-hq-'));
    central = await openCentralStorage({ dataDir, databaseUrl: await engine.freshDatabaseUrl() });
    tokens.hq = (await createCentralToken(central.db, 'hq', 'analyst', Date.now())).token;
    tokens.admin = (await createCentralToken(central.db, 'admin', 'dpo', Date.now())).token;
    for (const id of ['S001', 'S002'] as const) {
      const credential = await registerStore(central.db, { id, name: `Store ${id}` }, Date.now());
      if (id === 'S001') tokens.store = credential;
      const t = createTestAppliance({ env: { STORE_ID: id } });
      stores[id] = t;
      const shared = id === 'S001' ? '88000001' : '99000001';
      const reg = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: shared, phone: PHONE, name: 'Li Na' } }, customerCardSchema);
      expect(reg.status).toBe(201);
      sharedAt[id] = reg.body.id;
      await buy(id, shared, { terminal_id: 'T1', receipt_no: `${id}-shared-1` });
      if (id === 'S001') {
        await buy(id, shared);
        // The shared customer returns part of their first sale here.
        await buy(id, null, { kind: 'return', receipt_no: 'R-back', original: { terminal_id: 'T1', receipt_no: `${id}-shared-1` }, lines: [sale().lines[0]], tenders: [{ type: 'card', amount: 9 }] });
      }
      // Customers of this store only, and an anonymous sale.
      for (let n = 0; n < (id === 'S001' ? 4 : 2); n++) await buy(id, `${id === 'S001' ? 7 : 6}${String(++card).padStart(7, '0')}`);
      await buy(id, null);
      await push(id);
    }
    app = createCentralApp({ config: testConfig({ DATA_DIR: dataDir }), storage: central, clock: () => stores.S001.clock(), log: silentLogger });
  }, 120_000);

  afterAll(async () => {
    for (const t of Object.values(stores)) t.close();
    await central?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers only headquarters tokens: 401 without one or with a store credential, 403 for a reader erasing', async () => {
    for (const token of [null, 'sc_hq_not-a-token', tokens.store]) {
      const res = await hq('GET', '/api/hq/v1/profiles', token);
      expect(res.status).toBe(401);
      expect(parseWith(errorBodySchema, res.json(), '401').error.code).toBe('unauthorized');
    }
    const g = await sharedGlobal();
    const res = await hq('DELETE', `/api/hq/v1/customers/${g.global_id}`, tokens.hq);
    expect(res.status).toBe(403);
    expect(res.json()).toMatchObject({ error: { code: 'forbidden', details: { allowed: ['admin'] } } });
    expect((await hq('GET', `/api/hq/v1/customers/${g.global_id}`)).status).toBe(200);
    expect((await hq('GET', '/api/hq/v1/analytics/stores', tokens.admin)).status).toBe(200);
  });

  it('pages the chain customers: pages add up to the whole, one item per global customer with chain figures', async () => {
    const whole = await allPages(1000);
    // Li Na at both stores is one; four and two customers of one store each.
    expect(whole).toHaveLength(7);
    expect(new Set(whole.map((p) => p.global_id)).size).toBe(7);
    for (const limit of [1, 2, 3]) expect(await allPages(limit)).toEqual(whole);
    const keys = whole.map((p) => `${p.updated_at} ${p.global_id}`);
    expect([...keys].sort()).toEqual(keys);

    const li = whole.find((p) => p.stores.length === 2)!;
    const spend = (['S001', 'S002'] as const).reduce(
      (n, id) => n + stores[id].deps.sqlite.query<{ s: number }, [string]>('SELECT sum(total) AS s FROM transactions WHERE customer_id = ?').get(sharedAt[id]!)!.s,
      0,
    );
    expect(li).toMatchObject({ stores: ['S001', 'S002'], erased_at: null, scores: null, tier: null, chain: { visits: 3, returns: 1, spend_minor: spend } });
    expect(li.stage?.stage).toBe('active');
    const oneStore = whole.filter((p) => p !== li);
    expect(oneStore.every((p) => p.stores.length === 1 && p.chain?.visits === 1 && p.stage?.stage === 'first_purchase')).toBe(true);
  });

  it('keeps its cursor stable while stores push: nothing is missed, changed customers come again at the end', async () => {
    const whole = await allPages(1000);
    const first = parseWith(hqProfilePageSchema, (await hq('GET', '/api/hq/v1/profiles?limit=3')).json(), 'page');
    // A new customer at S002, and a sale of a one-store customer of S001 already paged past or not.
    await buy('S002', '60009999');
    await push('S002');
    await buy('S001', '70000001');
    await push('S001');
    const rest: HqProfile[] = [];
    let cursor = first.next_cursor;
    while (cursor !== null) {
      const page = parseWith(hqProfilePageSchema, (await hq('GET', `/api/hq/v1/profiles?limit=3&cursor=${cursor}`)).json(), 'page');
      rest.push(...page.items);
      cursor = page.next_cursor;
    }
    const seen = new Set([...first.items, ...rest].map((p) => p.global_id));
    expect(seen.size).toBe(whole.length + 1);
    const now = await allPages(1000);
    // The two customers the pushes touched are the last two, with their new figures.
    expect(rest.slice(-2)).toEqual(now.slice(-2));
    expect(now.slice(-2).map((p) => p.chain?.visits).sort()).toEqual([1, 2]);
  });

  it('filters by updated_since: exactly the customers changed at or after it', async () => {
    const whole = await allPages(1000);
    const since = whole.at(-2)!.updated_at;
    const changed = await allPages(1, `&updated_since=${encodeURIComponent(since)}`);
    expect(changed).toEqual(whole.filter((p) => p.updated_at >= since));
    expect(changed.length).toBeGreaterThanOrEqual(1);
    expect(changed.length).toBeLessThan(whole.length);
    const bad = await hq('GET', '/api/hq/v1/profiles?cursor=bm90LWEtY3Vyc29y');
    expect(bad.status).toBe(422);
    expect((await hq('GET', '/api/hq/v1/profiles?updated_since=yesterday')).status).toBe(422);
  });

  it('answers one customer by global id, 404 for an unknown one', async () => {
    const li = await sharedGlobal();
    const res = await hq('GET', `/api/hq/v1/customers/${li.global_id}`);
    expect(res.status).toBe(200);
    expect(parseWith(hqProfileSchema, res.json(), 'customer')).toEqual(li);
    const unknown = await hq('GET', '/api/hq/v1/customers/G0000');
    expect(unknown.status).toBe(404);
    expect(parseWith(errorBodySchema, unknown.json(), '404').error.code).toBe('not_found');
  });

  it("gives per-store figures equal to the stores' own, and chain-wide sums", async () => {
    const res = await hq('GET', '/api/hq/v1/analytics/stores');
    expect(res.status).toBe(200);
    const a = parseWith(hqStoreAnalyticsSchema, res.json(), 'analytics');
    for (const id of ['S001', 'S002'] as const) {
      const sqlite = stores[id].deps.sqlite;
      const own = sqlite
        .query<{ transactions: number; sales: number; returns: number; revenue: number; identified: number }, []>(
          `SELECT count(*) AS transactions, sum(kind = 'sale') AS sales, sum(kind = 'return') AS returns, sum(total) AS revenue,
                  sum(kind = 'sale' AND customer_id IS NOT NULL) AS identified FROM transactions`,
        )
        .get()!;
      const customers = sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM customers WHERE merged_into IS NULL AND erased_at IS NULL').get()!.n;
      const row = a.stores.find((s) => s.store_id === id)!;
      expect(row).toMatchObject({
        name: `Store ${id}`,
        revoked: false,
        transactions: own.transactions,
        sales: own.sales,
        returns: own.returns,
        revenue_minor: own.revenue,
        identified_share: own.identified / own.sales,
        customers,
        multi_store_customers: 1,
      });
      expect(row.cursor).toBe(cursors[id]);
      expect(row.lag_s).toBe(Math.round((Date.parse(a.as_of) - Date.parse(row.last_push_at!)) / 1000));
    }
    const sum = (k: 'transactions' | 'sales' | 'returns' | 'revenue_minor') => a.stores.reduce((n, s) => n + s[k], 0);
    expect(a.chain).toMatchObject({ transactions: sum('transactions'), sales: sum('sales'), returns: sum('returns'), revenue_minor: sum('revenue_minor') });
    // Li Na is counted once chain-wide.
    expect(a.chain.customers).toBe(a.stores[0]!.customers + a.stores[1]!.customers - 1);
    expect(a.chain.multi_store_customers).toBe(1);
    const none = parseWith(hqStoreAnalyticsSchema, (await hq('GET', '/api/hq/v1/analytics/stores?to=2000-01-01T00:00:00Z')).json(), 'empty period');
    expect(none.chain).toMatchObject({ transactions: 0, identified_share: null });
  });

  it('exports the profiles as NDJSON and CSV, streamed, the same as the profiles API', async () => {
    const whole = await allPages(1000);
    const ndjson = await hq('GET', '/api/hq/v1/export?format=ndjson');
    expect(ndjson.status).toBe(200);
    expect(ndjson.type).toContain('application/x-ndjson');
    expect(ndjson.text.trimEnd().split('\n').map((l) => parseWith(hqProfileSchema, JSON.parse(l), 'line'))).toEqual(whole);
    const csv = await hq('GET', '/api/hq/v1/export?format=csv');
    expect(csv.status).toBe(200);
    expect(csv.type).toContain('text/csv');
    expect(csv.text).toBe(csvHeader + whole.map(csvRow).join(''));
    expect(csv.text.split('\r\n')[1]!.split(',')).toHaveLength(csvHeader.split(',').length);
    expect((await hq('GET', '/api/hq/v1/export?format=xml')).status).toBe(422);
  });

  it('erases a customer at HQ and at every store that knows them', async () => {
    const li = await sharedGlobal();
    const pulledBefore = { S001: (await pullForStore(central.db, 'S001', 0, 10_000)).cursor, S002: (await pullForStore(central.db, 'S002', 0, 10_000)).cursor };
    const res = await hq('DELETE', `/api/hq/v1/customers/${li.global_id}`, tokens.admin);
    expect(res.status).toBe(200);
    expect(parseWith(hqErasureSchema, res.json(), 'erasure')).toMatchObject({ global_id: li.global_id, store_customers_notified: 2 });
    for (const id of ['S001', 'S002'] as const) {
      const t = stores[id];
      expect((await t.call('GET', `/api/v1/customers/${sharedAt[id]}`, { role: 'clerk' })).status).toBe(200);
      const answer = await pullForStore(central.db, id, pulledBefore[id], 10_000);
      expect(answer.items.map((i) => [i.kind, i.kind !== 'model' && i.kind !== 'config' && i.payload.customer_id])).toEqual([['erasure', sharedAt[id]]]);
      applyPulled(t.deps.sqlite, answer, t.clock(), pullContextOf(t.deps.config));
      expect((await t.call('GET', `/api/v1/customers/${sharedAt[id]}`, { role: 'clerk' })).status).toBe(410);
    }
    expect((await hq('GET', `/api/hq/v1/customers/${li.global_id}`)).status).toBe(410);
    expect((await hq('DELETE', `/api/hq/v1/customers/${li.global_id}`, tokens.admin)).status).toBe(410);
    // Listed last, marked, with nothing but its id and times.
    const after = (await allPages(1000)).at(-1)!;
    expect(after).toEqual({ global_id: li.global_id, updated_at: after.updated_at, erased_at: after.erased_at, stores: [], chain: null, stage: null, scores: null, tier: null });
    expect(after.erased_at).not.toBeNull();
    // The stores' own erasures, pushed back, change nothing more at central.
    await push('S001');
    await push('S002');
    expect((await hq('GET', `/api/hq/v1/customers/${li.global_id}`)).status).toBe(410);
  });

  it('serves its OpenAPI document', async () => {
    const res = await hq('GET', '/api/hq/v1/openapi.json', null);
    expect(res.status).toBe(200);
    const doc = res.json() as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths).sort()).toEqual(['/analytics/stores', '/customers/{global_id}', '/export', '/profiles']);
  });
});

describe.each(centralEngines())('HQ tokens from the CLI on $name', (engine) => {
  const dir = mkdtempSync(join(tmpdir(), 'central-hq-cli-'));
  afterAll(async () => {
    await killAllChildren();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates, lists and revokes hq tokens in central\'s database with CENTRAL=1; central\'s HQ API accepts only the live one', async () => {
    const url = await engine.freshDatabaseUrl();
    const env = { CENTRAL: '1', ...(url ? { DATABASE_URL: url } : {}) };
    const token = (await runCli(dir, ['token', 'create', '--role', 'hq', '--name', 'Analyst'], env)).trim();
    expect(token).toMatch(/^sc_hq_[\w-]{32}$/);
    const leaked = (await runCli(dir, ['token', 'create', '--role', 'admin', '--name', 'Old laptop'], env)).trim();
    await expect(runCli(dir, ['token', 'create', '--role', 'manager'], env)).rejects.toThrow(/--role must be one of hq, admin/);
    const listed = await runCli(dir, ['token', 'list'], env);
    expect(listed).not.toContain(token);
    expect(listed).not.toContain(leaked);
    const rows = listed.trim().split('\n').map((l) => JSON.parse(l) as { id: string; name: string; role: string; revoked_at: string | null });
    expect(rows.map((r) => [r.name, r.role, r.revoked_at])).toEqual([['Analyst', 'hq', null], ['Old laptop', 'admin', null]]);
    await runCli(dir, ['token', 'revoke', rows[1]!.id], env);
    await expect(runCli(dir, ['token', 'revoke', rows[1]!.id], env)).rejects.toThrow(/no live token/);
    // PGlite belongs to one process: central starts once the CLI is done.
    const central = await startCentral(dir, env);
    try {
      const ok = await fetch(`${central.url}/api/hq/v1/profiles`, { headers: { authorization: `Bearer ${token}` } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ items: [], next_cursor: null });
      expect((await fetch(`${central.url}/api/hq/v1/profiles`)).status).toBe(401);
      expect((await fetch(`${central.url}/api/hq/v1/profiles`, { headers: { authorization: `Bearer ${leaked}` } })).status).toBe(401);
    } finally {
      await central.stop();
    }
  }, 120_000);
});

describe('CSV cells of the HQ export', () => {
  it('quotes separators and neutralizes what a spreadsheet would run as a formula', () => {
    expect(['=1+1', '+1', '-2', '@SUM(A1)', '\tx', '\rx', 'a,b', 'say "hi"', '-a,b', 'S001;S002'].map(csvCell)).toEqual([
      "'=1+1",
      "'+1",
      "'-2",
      "'@SUM(A1)",
      "'\tx",
      `"'\rx"`,
      '"a,b"',
      '"say ""hi"""',
      `"'-a,b"`,
      'S001;S002',
    ]);
    expect([-120, 0, null].map(csvCell)).toEqual(['-120', '0', '']);
  });
});
