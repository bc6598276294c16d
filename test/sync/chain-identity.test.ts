import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStorePush } from '../../server/central/apply-store-push.ts';
import { type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { storeChanges } from '../../server/central/schema.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { pullForStore } from '../../server/central/store-pull.ts';
import { customerCardSchema } from '../../server/contract/profile.ts';
import { lastSeq } from '../../server/db/change-log.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import { centralEngines } from '../support/central-engines.ts';
import { identifierDigest } from '../../sync/identifier-digest.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';

/*
 * One customer across the chain, in central's PostgreSQL (PGlite, and the suite's server when it has one): two stores
 * that each registered the same phone push their logs; central makes them one global customer, tells both
 * stores the chain-wide figures, and an erasure at one store reaches the other.
 */

const SKEW_MS = 5 * 60_000;
const policy = { chainSecret: 'chain-secret-for-tests-0123456789', piiTransfer: false };
const PHONE = '13912345678';

describe.each(centralEngines())('one customer across the chain on $name', (engine) => {
  let central: CentralStorage;
  let dataDir: string;
  const stores: Record<'S001' | 'S002', TestAppliance> = {} as never;
  const customerAt: Record<string, string> = {};
  const cursors: Record<string, number> = { S001: 0, S002: 0 };

  async function push(id: 'S001' | 'S002') {
    const t = stores[id];
    const batch = outboundBatch(t.deps.sqlite, { storeId: id, after: cursors[id]!, limit: 10_000, policy, hlc: '000000000001000-0000-x', now: t.clock() });
    const outcome = await applyStorePush(central.db, batch, t.clock(), SKEW_MS);
    if (outcome.status !== 'applied') throw new Error('gap');
    cursors[id] = outcome.cursor;
    expect(outcome.cursor).toBe(lastSeq(t.deps.sqlite));
  }

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'central-identity-'));
    central = await openCentralStorage({ dataDir, databaseUrl: await engine.freshDatabaseUrl() });
    for (const id of ['S001', 'S002'] as const) {
      await registerStore(central.db, { id, name: id }, Date.now());
      const t = createTestAppliance({ env: { STORE_ID: id } });
      stores[id] = t;
      const card = id === 'S001' ? '88000001' : '99000001';
      const reg = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: card, phone: PHONE, name: 'Li Na' } }, customerCardSchema);
      expect(reg.status).toBe(201);
      customerAt[id] = reg.body.id;
      // Two sales at S001, one at S002 (and someone else's at each, who stays a one-store customer).
      for (let n = 0; n < (id === 'S001' ? 2 : 1); n++) {
        t.clock.advance(3_600_000);
        const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ store_id: id, customer: { loyalty_card: card }, occurred_at: new Date(t.clock()).toISOString() }) });
        expect(res.status).toBe(201);
      }
      const other = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ store_id: id, customer: { loyalty_card: `${card}7` }, occurred_at: new Date(t.clock()).toISOString() }) });
      expect(other.status).toBe(201);
    }
  }, 120_000);

  afterAll(async () => {
    for (const t of Object.values(stores)) t.close();
    await central?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('makes the customers of two stores sharing a phone one global customer with chain-wide figures', async () => {
    await push('S001');
    await push('S002');
    const s1 = await pullForStore(central.db, 'S001', 0, 100);
    const s2 = await pullForStore(central.db, 'S002', 0, 100);
    const customer = (items: typeof s1.items, id: string) => items.filter((i) => i.kind === 'customer' && i.payload.customer_id === id).at(-1);
    const at1 = customer(s1.items, customerAt.S001!);
    const at2 = customer(s2.items, customerAt.S002!);
    expect(at1?.kind === 'customer' && at1.payload).toMatchObject({ visits: 3, stores: ['S001', 'S002'] });
    expect(at2?.kind === 'customer' && at2.payload.global_id).toBe(at1?.kind === 'customer' && at1.payload.global_id);
    const spend = (['S001', 'S002'] as const).reduce(
      (n, id) => n + stores[id].deps.sqlite.query<{ s: number }, [string]>('SELECT sum(total) AS s FROM transactions WHERE customer_id = ?').get(customerAt[id]!)!.s,
      0,
    );
    expect(at1?.kind === 'customer' && at1.payload.spend).toBe(spend);
    // The one-store customers are nothing central needs to tell anyone about.
    expect([...s1.items, ...s2.items].every((i) => i.kind !== 'model' && i.kind !== 'config' && (i.payload.customer_id === customerAt.S001 || i.payload.customer_id === customerAt.S002))).toBe(true);
    expect((await pullForStore(central.db, 'S001', s1.cursor, 100)).items).toEqual([]);
  });

  it('takes an erasure at one store to the other, and leaves nothing personal of them at central', async () => {
    const digest = identifierDigest(policy.chainSecret, 'phone', '+8613912345678');
    const mentioning = async (text: string) =>
      (await central.db.select({ n: sql<number>`count(*)::int` }).from(storeChanges).where(sql`${storeChanges.fact}::text LIKE ${`%${text}%`}`))[0]!.n;
    expect(await mentioning('Li Na')).toBeGreaterThan(1); // registered at both stores
    expect(await mentioning(digest)).toBeGreaterThan(1);
    const after = (await pullForStore(central.db, 'S002', 0, 1000)).cursor;
    const res = await stores.S001.call('DELETE', `/api/v1/customers/${customerAt.S001}`, { role: 'manager' });
    expect(res.status).toBe(200);
    await push('S001');
    const items = (await pullForStore(central.db, 'S002', after, 100)).items;
    expect(items.map((i) => [i.kind, i.kind !== 'model' && i.kind !== 'config' && i.payload.customer_id])).toEqual([['erasure', customerAt.S002]]);
    // The events both stores pushed before: their name and the phone's digest are gone from central.
    expect(await mentioning('Li Na')).toBe(0);
    expect(await mentioning(digest)).toBe(0);
  });
});
