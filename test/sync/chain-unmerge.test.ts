import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStorePush } from '../../server/central/apply-store-push.ts';
import { type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { storeCustomers } from '../../server/central/schema.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { customerCardSchema } from '../../server/contract/profile.ts';
import { mergeSuggestionListSchema } from '../../server/contract/merge.ts';
import { lastSeq } from '../../server/db/change-log.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import { centralEngines } from '../support/central-engines.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';

/*
 * A merge a manager approved at a store unites the two customers' global customers at central; its unmerge,
 * pushed later, detaches the customer that came back: a global customer of its own again.
 */

const policy = { chainSecret: 'chain-secret-for-tests-0123456789', piiTransfer: false };

describe.each(centralEngines())('an unmerge at a store, at central on $name', (engine) => {
  let central: CentralStorage;
  let dataDir: string;
  let t: TestAppliance;
  let cursor = 0;

  async function push() {
    const batch = outboundBatch(t.deps.sqlite, { storeId: 'S001', after: cursor, limit: 10_000, policy, hlc: '000000000001000-0000-x', now: t.clock() });
    const outcome = await applyStorePush(central.db, batch, t.clock(), 5 * 60_000);
    if (outcome.status !== 'applied') throw new Error('gap');
    cursor = outcome.cursor;
    expect(cursor).toBe(lastSeq(t.deps.sqlite));
  }
  const globalOf = async (customerId: string) =>
    (await central.db.select({ g: storeCustomers.globalId }).from(storeCustomers).where(and(eq(storeCustomers.storeId, 'S001'), eq(storeCustomers.customerId, customerId))))[0]?.g;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'central-unmerge-'));
    central = await openCentralStorage({ dataDir, databaseUrl: await engine.freshDatabaseUrl() });
    await registerStore(central.db, { id: 'S001', name: 'S001' }, Date.now());
    t = createTestAppliance({ env: { STORE_ID: 'S001' } });
  }, 120_000);

  afterAll(async () => {
    t?.close();
    await central?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('unites the globals on the approved merge and gives the unmerged customer a global of its own', async () => {
    const reg = async (body: Record<string, string>) => (await t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema)).body.id;
    const ann = await reg({ loyalty_card: '88000001', phone: '13800000001', name: 'Ann' });
    const ben = await reg({ loyalty_card: '88000002', phone: '13800000002', name: 'Ben' });
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ store_id: 'S001', customer: { loyalty_card: '88000001', phone: '13800000002' } }) })).status).toBe(201);
    await push();
    expect(await globalOf(ann)).not.toBe(await globalOf(ben)); // a suggestion is not a merge

    const [s] = (await t.call('GET', '/api/v1/merge-suggestions', { role: 'manager' }, mergeSuggestionListSchema)).body.suggestions;
    expect((await t.call('POST', `/api/v1/merge-suggestions/${s!.id}/approve`, { role: 'manager' })).status).toBe(200);
    await push();
    const united = await globalOf(ann);
    expect(await globalOf(ben)).toBe(united);

    expect((await t.call('POST', `/api/v1/customers/${ben}/unmerge`, { role: 'manager' })).status).toBe(200);
    await push();
    expect(await globalOf(ann)).toBe(united);
    const own = await globalOf(ben);
    expect(own).toBeDefined();
    expect(own).not.toBe(united);
  });
});
