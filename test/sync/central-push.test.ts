import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gt } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStorePush, chainTotals } from '../../server/central/apply-store-push.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { storeChanges, stores } from '../../server/central/schema.ts';
import { lastSeq } from '../../server/db/change-log.ts';
import { seedDemoStore } from '../../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../../server/orchestration/apply-transaction.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import type { PushBatch } from '../../sync/protocol.ts';
import { centralEngines } from '../support/central-engines.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';

/*
 * Central applying a real store's change log in PGlite (embedded PostgreSQL): batches apply once by
 * (store, seq) whatever is resent, a gap is refused with central's cursor, and central's totals equal the
 * store's. The same again on the suite's PostgreSQL server when it has one.
 */

const SKEW_MS = 5 * 60_000;
const policy = { chainSecret: 'chain-secret-for-tests-0123456789', piiTransfer: false };

describe.each(centralEngines())('central applies store pushes on $name', (engine) => {
  let store: TestAppliance;
  let central: CentralStorage;
  let dataDir: string;

  const batchAfter = (after: number, limit = 400): PushBatch =>
    outboundBatch(store.deps.sqlite, { storeId: 'S001', after, limit, policy, hlc: '000000000001000-0000-S001', now: store.clock() });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'central-'));
    central = await openCentralStorage({ dataDir, databaseUrl: await engine.freshDatabaseUrl() });
    store = createTestAppliance();
    seedDemoStore(ingestDepsFrom(store.deps), { customers: 120, months: 3, seed: 5, now: store.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
    await registerStore(central.db, { id: 'S001', name: 'Demo' }, store.clock());
  }, 120_000);

  afterAll(async () => {
    store?.close();
    await central?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('once by (store, seq): resent and overlapping batches add nothing, a gap is refused with the cursor', async () => {
    const first = batchAfter(0);
    expect(await applyStorePush(central.db, first, store.clock(), SKEW_MS)).toEqual({ status: 'applied', cursor: 400, applied: 400, clockSkewMs: null });
    // The answer was lost and the store sends the same batch again, twice at once.
    const again = await Promise.all([applyStorePush(central.db, first, store.clock(), SKEW_MS), applyStorePush(central.db, first, store.clock(), SKEW_MS)]);
    expect(again.map((o) => o.status === 'applied' && [o.cursor, o.applied])).toEqual([[400, 0], [400, 0]]);
    // A batch after a number central does not have.
    expect(await applyStorePush(central.db, batchAfter(600), store.clock(), SKEW_MS)).toEqual({ status: 'gap', cursor: 400 });
    // Overlapping: starts before the cursor; only the new part applies.
    const overlap = await applyStorePush(central.db, batchAfter(200, 400), store.clock(), SKEW_MS);
    expect(overlap).toEqual({ status: 'applied', cursor: 600, applied: 200, clockSkewMs: null });
  });

  it("ends with the store's whole log and its totals", async () => {
    let cursor = 600;
    const end = lastSeq(store.deps.sqlite);
    while (cursor < end) {
      const outcome = await applyStorePush(central.db, batchAfter(cursor, 2500), store.clock(), SKEW_MS);
      if (outcome.status !== 'applied') throw new Error(`unexpected ${outcome.status}`);
      cursor = outcome.cursor;
    }
    const local = store.deps.sqlite.query<{ n: number; total: number }, []>('SELECT count(*) AS n, sum(total) AS total FROM transactions').get()!;
    expect(await chainTotals(central.db)).toEqual([{ storeId: 'S001', transactions: local.n, total: local.total }]);
  });

  it("keeps a skewed store's changes but flags them, and says so on the store's row", async () => {
    const before = lastSeq(store.deps.sqlite);
    const res = await store.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ receipt_no: 'SKEW-1', occurred_at: new Date(store.clock()).toISOString() }) });
    expect(res.status).toBe(201);
    const late = store.clock() - 3_600_000; // the store's clock is an hour behind central's
    const outcome = await applyStorePush(central.db, { ...batchAfter(before), sent_at: late }, store.clock(), SKEW_MS);
    expect(outcome).toMatchObject({ status: 'applied', applied: lastSeq(store.deps.sqlite) - before, clockSkewMs: -3_600_000 });
    const flagged = await central.db.select({ seq: storeChanges.seq, flagged: storeChanges.skewFlagged }).from(storeChanges).where(gt(storeChanges.seq, before));
    expect(flagged.length).toBeGreaterThan(0);
    expect(flagged.every((r) => r.flagged)).toBe(true);
    const [row] = await central.db.select({ skew: stores.clockSkewMs, cursor: stores.cursor }).from(stores);
    expect(row).toEqual({ skew: -3_600_000, cursor: lastSeq(store.deps.sqlite) });
    // Back within the bound: the flag on the store clears.
    await applyStorePush(central.db, batchAfter(lastSeq(store.deps.sqlite)), store.clock(), SKEW_MS);
    expect((await central.db.select({ skew: stores.clockSkewMs }).from(stores))[0]?.skew).toBeNull();
  });
});
