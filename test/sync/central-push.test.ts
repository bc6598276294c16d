import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gt, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyStorePush, chainTotals } from '../../server/central/apply-store-push.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { type CentralStorage, openCentralStorage } from '../../server/central/central-db.ts';
import { hqStoreAnalytics } from '../../server/central/hq-analytics.ts';
import { chainTransactions, storeChanges, stores } from '../../server/central/schema.ts';
import { lastSeq } from '../../server/db/change-log.ts';
import { seedDemoStore } from '../../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../../server/orchestration/apply-transaction.ts';
import { outboundBatch } from '../../server/orchestration/sync-outbox.ts';
import { type PushBatch, pushBatchSchema } from '../../sync/protocol.ts';
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

  it("carries each transaction's tax to central and into HQ's figures; an older store's push without tax applies with it unknown", async () => {
    const before = lastSeq(store.deps.sqlite);
    // Anonymous sales: one change each. After everything the demo store sold (it sold nothing after now).
    const at = (time: string) => `2026-11-22T${time}:00+08:00`;
    const post = (body: unknown) => store.call('POST', '/api/v1/transactions', { role: 'terminal', body });
    expect((await post(sale({ receipt_no: 'TAX-1', customer: undefined, occurred_at: at('10:30'), tax: { amount: 7.35, included: true } }))).status).toBe(201);
    expect((await post(sale({ receipt_no: 'TAX-2', customer: undefined, occurred_at: at('10:40'), tax: { amount: 5.11, included: false }, tenders: [{ type: 'card', amount: 69.01 }] }))).status).toBe(201);
    expect((await post(sale({ receipt_no: 'TAX-3', customer: undefined, occurred_at: at('10:50'), tax: { amount: 7.35, included: true } }))).status).toBe(201);
    expect(await applyStorePush(central.db, batchAfter(before, 2), store.clock(), SKEW_MS)).toMatchObject({ status: 'applied', applied: 2 });
    // A store from before tax sends its facts without the fields; central's route parses the body with the schema.
    const older = JSON.parse(JSON.stringify(batchAfter(before + 2), (key, value: unknown) => (key === 'tax' || key === 'tax_included' ? undefined : value)));
    expect(await applyStorePush(central.db, pushBatchSchema.parse(older), store.clock(), SKEW_MS)).toMatchObject({ status: 'applied', applied: 1 });

    const ids = store.deps.sqlite.query<{ id: string }, []>("SELECT id FROM transactions WHERE receipt_no LIKE 'TAX-%' ORDER BY receipt_no").all().map((r) => r.id);
    const atCentral = await central.db
      .select({ id: chainTransactions.id, total: chainTransactions.total, tax: chainTransactions.tax, taxIncluded: chainTransactions.taxIncluded })
      .from(chainTransactions)
      .where(inArray(chainTransactions.id, ids))
      .orderBy(chainTransactions.id);
    expect(atCentral).toEqual([
      { id: ids[0], total: 6390, tax: 735, taxIncluded: 1 },
      { id: ids[1], total: 6390, tax: 511, taxIncluded: 0 },
      { id: ids[2], total: 6390, tax: null, taxIncluded: null },
    ]);

    const figures = async (from: string, to: string) => {
      const a = await hqStoreAnalytics(central.db, { from: Date.parse(at(from)), to: Date.parse(at(to)) }, store.clock());
      const s = a.stores.find((x) => x.store_id === 'S001')!;
      expect(a.chain).toMatchObject({ tax_minor: s.tax_minor, revenue_includes_tax: s.revenue_includes_tax, tax_unknown_transactions: s.tax_unknown_transactions });
      return { tax_minor: s.tax_minor, revenue_includes_tax: s.revenue_includes_tax, tax_unknown_transactions: s.tax_unknown_transactions };
    };
    expect(await figures('10:30', '10:35')).toEqual({ tax_minor: 735, revenue_includes_tax: true, tax_unknown_transactions: 0 });
    expect(await figures('10:40', '10:45')).toEqual({ tax_minor: 511, revenue_includes_tax: false, tax_unknown_transactions: 0 });
    expect(await figures('10:30', '10:45')).toEqual({ tax_minor: 1246, revenue_includes_tax: null, tax_unknown_transactions: 0 });
    expect(await figures('10:30', '11:00')).toEqual({ tax_minor: 1246, revenue_includes_tax: null, tax_unknown_transactions: 1 });
  });
});
