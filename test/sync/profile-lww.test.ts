import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStorePush } from '../../server/central/apply-store-push.ts';
import { type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { profileFields } from '../../server/central/schema.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { pullForStore } from '../../server/central/store-pull.ts';
import { customerCardSchema } from '../../server/contract/profile.ts';
import { getMetric } from '../../server/db/store-metrics.ts';
import { readProfileClock } from '../../server/identity/profile-clock.ts';
import { DAY_MS } from '../../server/kernel/clock.ts';
import { sweepLifecycle } from '../../server/lifecycle/lifecycle.service.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import { applyPulled, PULL_CURSOR_METRIC, pullContextOf } from '../../server/orchestration/sync-pull.ts';
import { encodeHlc } from '../../sync/hlc.ts';
import type { PullItem } from '../../sync/protocol.ts';
import { centralEngines } from '../support/central-engines.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';

/*
 * Last-writer-wins profile fields across two stores through central's PostgreSQL (PGlite, and the suite's
 * server when it has one), and a store's lifecycle stage from the chain's purchases. The stores run in-process
 * with clocks of their own; central's clock is S001's (S002's is moved off it to be skew-flagged).
 */

const SKEW_MS = 5 * 60_000;
const policy = { chainSecret: 'chain-secret-for-tests-0123456789', piiTransfer: false };
const PHONE = '13987654321';
type StoreId = 'S001' | 'S002';

describe.each(centralEngines())('last-writer-wins profile fields on $name', (engine) => {
  let central: CentralStorage;
  let dataDir: string;
  const stores = {} as Record<StoreId, TestAppliance>;
  const customerAt = {} as Record<StoreId, string>;
  const pushCursor: Record<StoreId, number> = { S001: 0, S002: 0 };
  const centralNow = () => stores.S001.clock();

  async function push(id: StoreId): Promise<number | null> {
    const t = stores[id];
    const hlc = encodeHlc(readProfileClock(t.deps.sqlite, id));
    const batch = outboundBatch(t.deps.sqlite, { storeId: id, after: pushCursor[id], limit: 10_000, policy, hlc, now: t.clock() });
    const outcome = await applyStorePush(central.db, batch, centralNow(), SKEW_MS);
    if (outcome.status !== 'applied') throw new Error('gap');
    pushCursor[id] = outcome.cursor;
    return outcome.clockSkewMs;
  }

  async function pull(id: StoreId): Promise<PullItem[]> {
    const t = stores[id];
    const answer = await pullForStore(central.db, id, getMetric<number>(t.deps.sqlite, PULL_CURSOR_METRIC) ?? 0, 10_000);
    applyPulled(t.deps.sqlite, answer, t.clock(), pullContextOf(t.deps.config));
    return answer.items;
  }

  async function syncBoth(pushOrder: StoreId[] = ['S001', 'S002']) {
    for (const id of pushOrder) await push(id);
    await pull('S001');
    await pull('S002');
  }

  async function card(id: StoreId) {
    const res = await stores[id].call('GET', `/api/v1/customers/${customerAt[id]}`, { role: 'clerk' }, customerCardSchema);
    expect(res.status).toBe(200);
    return res.body;
  }

  async function edit(id: StoreId, body: Record<string, unknown>) {
    const res = await stores[id].call('PATCH', `/api/v1/customers/${customerAt[id]}`, { role: 'clerk', body });
    expect(res.status).toBe(200);
  }

  /** Moves both stores' clocks on together. */
  function advance(ms: number) {
    stores.S001.clock.advance(ms);
    stores.S002.clock.advance(ms);
  }

  /** The fields central holds for the customer registered at both stores. */
  async function centralFields() {
    const rows = await central.db.select().from(profileFields).where(eq(profileFields.globalId, sql`(SELECT global_id FROM store_customers WHERE store_id = 'S001' AND customer_id = ${customerAt.S001})`));
    return Object.fromEntries(rows.map((r) => [r.field, JSON.parse(r.value) as unknown]));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'central-lww-'));
    central = await openCentralStorage({ dataDir, databaseUrl: await engine.freshDatabaseUrl() });
    for (const id of ['S001', 'S002'] as const) {
      await registerStore(central.db, { id, name: id }, Date.now());
      stores[id] = createTestAppliance({ env: { STORE_ID: id } });
    }
    // The same person registers at both stores (same phone); S002 a moment later.
    for (const id of ['S001', 'S002'] as const) {
      advance(1000);
      const body = { loyalty_card: id === 'S001' ? '88100001' : '99100001', phone: PHONE, name: 'Li Na', consent: { sms: true } };
      const reg = await stores[id].call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema);
      expect(reg.status).toBe(201);
      customerAt[id] = reg.body.id;
    }
    await syncBoth();
  }, 120_000);

  afterAll(async () => {
    for (const t of Object.values(stores)) t.close();
    await central?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('takes a name changed at one store to the other store’s profile, and sends nothing back', async () => {
    advance(60_000);
    await edit('S001', { name: 'Li Na Wang' });
    await push('S001');
    const items = await pull('S002');
    expect(items.filter((i) => i.kind === 'profile').map((i) => i.payload.customer_id)).toEqual([customerAt.S002]);
    expect((await card('S002')).name).toBe('Li Na Wang');
    // S002's taking it is a fact of its own (pushed like any other) that central does not count as a new win.
    await push('S002');
    expect((await pull('S001')).filter((i) => i.kind === 'profile')).toEqual([]);
    expect(await centralFields()).toMatchObject({ name: 'Li Na Wang' });
  });

  it('resolves concurrent edits by their clocks, the same at both stores whichever push arrives first', async () => {
    for (const [first, order] of [['S001', ['S002', 'S001']], ['S002', ['S001', 'S002']]] as const) {
      advance(60_000);
      // Neither store has heard of the other's edit; the second edit's clock is later by 5 ms.
      await edit(first, { name: `first at ${first}` });
      const second: StoreId = first === 'S001' ? 'S002' : 'S001';
      advance(5);
      await edit(second, { name: `second at ${second}` });
      await syncBoth([...order]); // the later edit is pushed first: the earlier one loses and its store learns the winner
      expect((await card('S001')).name).toBe(`second at ${second}`);
      expect((await card('S002')).name).toBe(`second at ${second}`);
      expect((await centralFields()).name).toBe(`second at ${second}`);
    }
  });

  it('lets a consent withdrawal at one store beat an older grant at the other, even when the grant arrives later', async () => {
    advance(60_000);
    await edit('S002', { consent: { email: true } });
    advance(1000);
    await edit('S001', { consent: { email: false } });
    await syncBoth(['S001', 'S002']); // the withdrawal reaches central first; the older grant is pushed after it
    expect((await card('S001')).consent.email).toBe(false);
    expect((await card('S002')).consent.email).toBe(false);
    expect((await centralFields()).consent_email).toBe(0);
    // A grant given after the withdrawal is the customer's latest word: it wins.
    advance(1000);
    await edit('S002', { consent: { email: true } });
    await syncBoth();
    expect((await card('S001')).consent.email).toBe(true);
  });

  it('lets each store learn the other’s winning fields when two stores’ customers turn out to be one person', async () => {
    const registered = async (id: StoreId, body: Record<string, unknown>) => {
      const res = await stores[id].call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema);
      expect(res.status).toBe(201);
      return res.body.id;
    };
    advance(60_000);
    const zhang = await registered('S001', { phone: '13700000001', name: 'Zhang Wei', consent: { sms: true } });
    advance(1000);
    const wei = await registered('S002', { phone: '13700000002', email: 'wei@example.com', name: 'Wei Zhang', birthday: '1990-05-01' });
    await syncBoth(); // two people as far as the chain knows
    advance(60_000);
    const linked = await stores.S001.call('PATCH', `/api/v1/customers/${zhang}`, { role: 'clerk', body: { email: 'wei@example.com' } });
    expect(linked.status).toBe(200);
    await syncBoth(); // the shared email makes them one: each field keeps the later write of the two
    const at = async (id: StoreId, customer: string) => (await stores[id].call('GET', `/api/v1/customers/${customer}`, { role: 'clerk' }, customerCardSchema)).body;
    const [s1, s2] = [await at('S001', zhang), await at('S002', wei)];
    expect([s1.name, s1.birthday, s1.consent.sms]).toEqual(['Wei Zhang', '1990-05-01', true]);
    expect([s2.name, s2.birthday, s2.consent.sms]).toEqual(['Wei Zhang', '1990-05-01', true]);
  });

  it('shows a customer who bought at the other store yesterday as active here, where they last bought 200 days ago', async () => {
    const bought = (id: StoreId, at: number) =>
      stores[id].call('POST', '/api/v1/transactions', {
        role: 'terminal',
        body: sale({ store_id: id, customer: { loyalty_card: id === 'S001' ? '88100001' : '99100001' }, occurred_at: new Date(at).toISOString() }),
      });
    expect((await bought('S001', stores.S001.clock())).status).toBe(201);
    advance(199 * DAY_MS);
    expect((await bought('S002', stores.S002.clock())).status).toBe(201);
    advance(DAY_MS);
    sweepLifecycle(stores.S001.deps.sqlite, stores.S001.deps.lifecycle, stores.S001.clock());
    expect((await card('S001')).lifecycle?.stage).toBe('at_risk');
    await syncBoth(['S002', 'S001']);
    const here = await card('S001');
    expect(here.chain).toMatchObject({ visits: 2 });
    expect(here.lifecycle?.stage).toBe('active');
    // The daily sweep keeps them active (it reads the chain-wide last purchase too).
    sweepLifecycle(stores.S001.deps.sqlite, stores.S001.deps.lifecycle, stores.S001.clock());
    expect((await card('S001')).lifecycle?.stage).toBe('active');
  });

  it('keeps a skew-flagged store’s grant out of the merged profile but applies its withdrawal', async () => {
    advance(60_000);
    await edit('S001', { consent: { call: true } });
    await syncBoth();
    expect((await card('S002')).consent.call).toBe(true);
    stores.S002.clock.advance(3_600_000); // S002's clock an hour ahead of central's
    await edit('S002', { name: 'Skewed Name', consent: { push: true, call: false } });
    expect(await push('S002')).toBeGreaterThan(SKEW_MS);
    await pull('S001');
    const s1 = await card('S001');
    expect(s1.consent.call).toBe(false);
    expect(s1.consent.push).toBeNull();
    expect(s1.name).not.toBe('Skewed Name');
    expect(await centralFields()).toMatchObject({ consent_call: 0, name: s1.name });
    expect((await centralFields()).consent_push).toBeUndefined();
    // Back at S001, a grant made after the withdrawal (by central's clock) still wins: the withdrawal was not
    // dated an hour into the future.
    advance(60_000);
    await edit('S001', { consent: { call: true } });
    await push('S001');
    expect((await centralFields()).consent_call).toBe(1);
  });

  it('forgets the customer’s fields at central when they are erased', async () => {
    expect(Object.keys(await centralFields()).length).toBeGreaterThan(0);
    const res = await stores.S001.call('DELETE', `/api/v1/customers/${customerAt.S001}`, { role: 'manager' });
    expect(res.status).toBe(200);
    await push('S001');
    expect(await centralFields()).toEqual({});
    // The other store's profile_synced facts lose their personal values with its own erasure.
    await pull('S002');
    const left = stores.S002.deps.sqlite
      .query<{ n: number }, [string]>("SELECT count(*) AS n FROM customer_events WHERE recorded_customer_id = ? AND data LIKE '%Li Na%'")
      .get(customerAt.S002)!.n;
    expect(left).toBe(0);
  });
});
