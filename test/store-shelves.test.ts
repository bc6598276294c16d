import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHIPPED_MODELS_DIR } from '../server/app/appliance.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { getMetric } from '../server/db/store-metrics.ts';
import { drain } from '../server/db/sweep-steps.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { refreshItemStatsIfStale } from '../server/orchestration/item-stats-schedule.ts';
import { computeItemStats, type ItemStats } from '../server/scoring/recommend/item-stats.ts';
import { purchaseSequence } from '../server/scoring/recommend/purchase-sequence.ts';
import { storeHistories } from '../server/scoring/serving/db-history.ts';
import { rescoreEveryone } from '../server/scoring/serving/scores.service.ts';
import { ITEM_STATS_METRIC, itemStatsState, storeItemStatsSteps } from '../server/scoring/serving/store-item-stats.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

/*
 * Recommendations from the store's own shelves: the shipped default models (trained on other data, whose
 * item ids are numbers like "50") serving a store whose SKUs share nothing with that data. Every
 * recommended SKU must be one the store sold, named from its catalog; a store with no sales recommends
 * nothing.
 */

/** The SKUs the shipped ranker was trained on: none of them may ever reach a store that does not sell them. */
const foreignSkus = new Set((JSON.parse(readFileSync(join(SHIPPED_MODELS_DIR, 'ranker.items.json'), 'utf8')) as ItemStats).skus);

type Item = readonly [sku: string, name: string, category: string, price: number];
const TEA: Item = ['S-TEA-1', 'Jasmine tea 250g', 'beverages', 6.5];
const RICE: Item = ['S-RICE-5', 'Rice 5kg', 'staples', 12];
const MUG: Item = ['S-MUG-2', 'Enamel mug', 'kitchen', 4];
const SOAP: Item = ['S-SOAP-4', 'Olive soap', 'household', 3];
/** Sold only to anonymous customers: on the shelves through popularity and co-purchase alone. */
const CAKE: Item = ['S-CAKE-3', 'Mooncake box', 'bakery', 9];

function shelfSale(card: string | null, at: number, items: readonly Item[]) {
  const lines = items.map(([sku, name, category, price]) => ({ sku, name, category, quantity: 1, unit_price: price, discount: 0, amount: price }));
  const total = Math.round(lines.reduce((a, l) => a + l.amount, 0) * 100) / 100;
  return sale({ customer: card === null ? null : { loyalty_card: card }, occurred_at: new Date(at).toISOString(), lines, tenders: [{ type: 'card', amount: total }] });
}

/** Eight customers who buy tea and rice on a rhythm, some a mug or soap; anonymous buyers take cake with tea. */
async function stockShelves(t: TestAppliance) {
  const now = t.clock();
  for (let c = 0; c < 8; c++) {
    const card = `8800${String(c).padStart(4, '0')}`;
    for (let visit = 0; visit < 4; visit++) {
      const basket: Item[] = [TEA, RICE];
      if (c % 2 === 0) basket.push(MUG);
      if (c % 3 === 0 && visit > 1) basket.push(SOAP);
      const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: shelfSale(card, now - (60 - visit * 14 - c) * DAY_MS, basket) }, ingestResultSchema);
      expect(res.status).toBe(201);
    }
  }
  for (let a = 0; a < 5; a++) {
    const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: shelfSale(null, now - (10 + a) * DAY_MS, [CAKE, TEA]) }, ingestResultSchema);
    expect(res.status).toBe(201);
  }
}

function soldSkus(t: TestAppliance): Set<string> {
  return new Set(t.deps.sqlite.query<{ sku: string }, []>('SELECT DISTINCT sku FROM transaction_lines WHERE sku IS NOT NULL').all().map((r) => r.sku));
}

interface StoredRec {
  sku: string;
  name: string | null;
  category: string | null;
}

function storedRecommendations(t: TestAppliance): Map<string, StoredRec[]> {
  const rows = t.deps.sqlite.query<{ customer_id: string; recommendations: string }, []>('SELECT customer_id, recommendations FROM customer_scores').all();
  return new Map(rows.map((r) => [r.customer_id, JSON.parse(r.recommendations) as StoredRec[]]));
}

describe.each([
  { engine: 'the scoring threads (the server)', SCORING_WORKER: '1' },
  { engine: 'inline scoring (one-shot commands)', SCORING_WORKER: '0' },
])('the shipped models on a store of its own, $engine', ({ SCORING_WORKER }) => {
  let t: TestAppliance;
  beforeEach(async () => {
    t = createTestAppliance({ env: { SCORING_WORKER, SCORING_THREADS: '1' } });
    expect(await t.deps.models.reload()).toMatch(/^default@/);
  });
  afterEach(async () => {
    await t.deps.rescore.idle();
    await t.deps.models.close();
    t.close();
  });

  it('recommends nothing in a store without sales, and after its first sale only what it sold', async () => {
    expect(itemStatsState(t.deps.sqlite)).toBeNull();
    expect(await refreshItemStatsIfStale(t.deps)).toBeNull(); // nothing sold: nothing to compute
    const chunk = await t.deps.scoring.engine.score(['never-bought'], t.clock());
    expect(chunk?.rows.flatMap((r) => JSON.parse(r.recommendationsJson) as unknown[])).toEqual([]);
    expect((await rescoreEveryone(t.deps.scoring, t.clock())).customers).toBe(0);

    // Its first sale: the buyer is offered what the store has sold (that sale), not the training data's
    // best sellers ("popular in the store" was "50", "9", "1440" before).
    const first = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: shelfSale('88007777', t.clock() - DAY_MS, [TEA, RICE]) }, ingestResultSchema);
    expect(first.status).toBe(201);
    await t.deps.rescore.idle();
    const recs = storedRecommendations(t).get(first.body.customer_id ?? '');
    expect(recs?.map((r) => r.sku).sort()).toEqual([RICE[0], TEA[0]]);
  });

  it('recommends only what the store sold, with the catalog name and category, before and after its item context is computed', async () => {
    await stockShelves(t);
    const sold = soldSkus(t);
    expect([...sold].filter((s) => foreignSkus.has(s))).toEqual([]); // the premise: nothing in common
    await t.deps.rescore.idle();

    // Rescored after each sale, before anything store-wide was computed: only the customers' own items.
    const early = storedRecommendations(t);
    expect(early.size).toBe(8);
    for (const recs of early.values()) {
      expect(recs.length).toBeGreaterThan(0);
      for (const r of recs) expect(sold).toContain(r.sku);
    }

    // What ingest's debounced refresh does: catalog and item context from the store's sales.
    const state = await refreshItemStatsIfStale(t.deps);
    expect(state).toMatchObject({ items: 5, baskets: 8 * 4 + 5 });
    const stats = getMetric<ItemStats>(t.deps.sqlite, ITEM_STATS_METRIC)!;
    expect([...stats.skus].sort()).toEqual([...sold].sort());
    const cake = stats.skus.indexOf(CAKE[0]);
    expect([stats.basketCount[cake], stats.customerCount[cake]]).toEqual([5, 0]); // anonymous: popularity, no buyers
    expect(stats.customers).toBe(8);

    const report = await rescoreEveryone(t.deps.scoring, t.clock());
    expect(report.customers).toBe(8);
    const recs = storedRecommendations(t);
    const catalog = new Map(t.deps.sqlite.query<{ sku: string; name: string; category: string }, []>('SELECT sku, name, category FROM catalog_items').all().map((r) => [r.sku, r]));
    let fromTheShelves = 0;
    for (const [customerId, list] of recs) {
      const own = new Set(t.deps.sqlite.query<{ sku: string }, [string]>('SELECT DISTINCT l.sku FROM transaction_lines l JOIN transactions t ON t.id = l.tx_id WHERE t.customer_id = ?').all(customerId).map((r) => r.sku));
      for (const r of list) {
        expect(sold).toContain(r.sku);
        expect(foreignSkus.has(r.sku)).toBe(false);
        expect(r.name).toBe(catalog.get(r.sku)?.name);
        expect(r.category).toBe(catalog.get(r.sku)?.category);
        if (!own.has(r.sku)) fromTheShelves += 1;
      }
    }
    // Items a customer never bought come from the store's popularity and co-purchase (the cake among them).
    expect(fromTheShelves).toBeGreaterThan(0);

    const id = [...recs.keys()][0]!;
    const card = await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }, customerCardSchema);
    expect(card.body.recommendations.length).toBeGreaterThan(0);
    for (const r of card.body.recommendations) expect([r.name, r.category]).toEqual([catalog.get(r.sku)?.name, catalog.get(r.sku)?.category]);
  });
});

describe('the demo store', () => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance({ env: { SCORING_WORKER: '0' } });
  });
  afterEach(async () => {
    await t.deps.models.close();
    t.close();
  });

  it('served by the shipped models, recommends every customer only SKUs the store sold, each named', async () => {
    seedDemoStore(ingestDepsFrom(t.deps), { customers: 200, months: 6, seed: 5, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
    await t.deps.models.reload();
    const report = await rescoreEveryone(t.deps.scoring, t.clock());
    expect(report.customers).toBeGreaterThan(100);
    const sold = soldSkus(t);
    const recs = storedRecommendations(t);
    expect(recs.size).toBe(report.customers);
    let shown = 0;
    for (const list of recs.values()) {
      for (const r of list) {
        expect(sold).toContain(r.sku);
        expect(r.name).not.toBeNull();
        shown += 1;
      }
    }
    expect(shown).toBeGreaterThan(report.customers);
  });
});

describe('the store item context', () => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance({ env: { SCORING_WORKER: '0' } });
  });
  afterEach(() => t.close());

  it('is, page by page, what the training computes over the same sales (identified histories and anonymous baskets)', async () => {
    await stockShelves(t);
    // A return and a voided line are not purchases.
    const now = t.clock();
    const kept = shelfSale('88000001', now - 3 * DAY_MS, [SOAP, MUG]);
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: kept })).status).toBe(201);
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ kind: 'return', customer: { loyalty_card: '88000001' }, original: { terminal_id: kept.terminal_id, receipt_no: kept.receipt_no }, occurred_at: new Date(now - DAY_MS).toISOString(), lines: [kept.lines[0]], tenders: [{ type: 'card', amount: SOAP[3] }] }) })).status).toBe(201);

    const paged = drain(storeItemStatsSteps(t.deps.sqlite, now, { customers: 3, transactions: 2 })).stats;
    const histories = storeHistories(t.deps.sqlite, now);
    const anonymous = t.deps.sqlite
      .query<{ id: string; at: number }, []>("SELECT id, occurred_at AS at FROM transactions WHERE customer_id IS NULL AND kind = 'sale' ORDER BY occurred_at, id")
      .all()
      .map((tx) => ({ at: tx.at, skus: t.deps.sqlite.query<{ sku: string }, [string]>('SELECT sku FROM transaction_lines WHERE tx_id = ? ORDER BY line_no').all(tx.id).map((l) => l.sku) }));
    expect(anonymous.length).toBe(5);
    const whole = computeItemStats([...histories.values()].map((h) => purchaseSequence(h, now)), anonymous);
    expect(paged).toEqual(whole);
    expect(paged.baskets).toBe(8 * 4 + 1 + 5);
  });

  it('is computed by the daily sweep and by a rebuild', async () => {
    await stockShelves(t);
    const swept = runDailySweep(sweepDepsFrom(t.deps), t.clock());
    expect(swept.itemStats).toEqual({ items: 5, baskets: 37 });
    const first = itemStatsState(t.deps.sqlite)!;
    t.clock.advance(1000);
    const { rebuildEverything } = await import('../server/orchestration/rebuild.ts');
    rebuildEverything(t.deps, t.clock());
    const rebuilt = itemStatsState(t.deps.sqlite)!;
    expect(rebuilt.computedAt).toBeGreaterThan(first.computedAt);
    expect(rebuilt.id).toBe(first.id); // the same sales: the same statistics
  });
});

describe('the catalog', () => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance({ env: { SCORING_WORKER: '0' } });
  });
  afterEach(() => t.close());

  it("learns a SKU's name and category from the first line that names them, and a rebuild agrees", async () => {
    const now = t.clock();
    const post = async (at: number, name: string | null, category: string | null) => {
      const body = shelfSale('88001111', at, [TEA]);
      body.lines[0] = { ...body.lines[0]!, name, category };
      expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body })).status).toBe(201);
    };
    await post(now - 20 * DAY_MS, null, null);
    await post(now - 15 * DAY_MS, 'Jasmine tea 250g', 'beverages');
    await post(now - 10 * DAY_MS, '?', 'damaged');
    runDailySweep(sweepDepsFrom(t.deps), now);
    const row = () => t.deps.sqlite.query<{ name: string; category: string }, []>("SELECT name, category FROM catalog_items WHERE sku = 'S-TEA-1'").get();
    expect(row()).toEqual({ name: 'Jasmine tea 250g', category: 'beverages' });
    // Later lines do not rename it; a backlog line older than everything seen does.
    await post(now - 5 * DAY_MS, 'JASMINE TEA', null);
    await post(now - 30 * DAY_MS, 'Jasmine green tea', null);
    runDailySweep(sweepDepsFrom(t.deps), now);
    expect(row()).toEqual({ name: 'Jasmine green tea', category: 'beverages' });
    const { rebuildEverything } = await import('../server/orchestration/rebuild.ts');
    rebuildEverything(t.deps, now);
    expect(row()).toEqual({ name: 'Jasmine green tea', category: 'beverages' });
  });
});
