import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SHIPPED_MODELS_DIR } from '../server/app/appliance.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { applyTransaction, ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { normalizeTransaction } from '../server/ingest/normalize-transaction.ts';
import { transactionSchema } from '../server/contract/transaction.ts';
import { CUSTOMER_MODELS_FILE } from '../server/scoring/customer-training.ts';
import { candidateModelDirs, createModelRegistry } from '../server/scoring/serving/model-registry.ts';
import { createHybridScoreEngine } from '../server/scoring/serving/hybrid-score-engine.ts';
import { createInlineScoreEngine, type ScoreEngine } from '../server/scoring/serving/score-engine.ts';
import { createWorkerScoreEngine } from '../server/scoring/serving/worker-score-engine.ts';
import { dbPath } from '../server/db/open.ts';
import { rescoreCustomers, rescoreEveryone } from '../server/scoring/serving/scores.service.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';
import { silentLogger } from '../server/kernel/log.ts';

/*
 * Serving with the real shipped models and the real onnxruntime: scores and reasons in the profile,
 * rescoring after a transaction, returned items never recommended, and a hot swap under load.
 */

/** An engine on the calling thread over `t`'s store, with the shipped models unless told other candidates. */
function inlineEngine(t: TestAppliance, candidates: () => string[] = () => [SHIPPED_MODELS_DIR]): ScoreEngine {
  return createInlineScoreEngine({
    sqlite: t.deps.sqlite,
    models: createModelRegistry({ candidates, log: silentLogger }),
    returnBlockDays: t.config.ACTIONS_RETURN_BLOCK_DAYS,
    k: t.config.SCORING_RECOMMENDATIONS,
  });
}

describe.each([
  { engine: 'the scoring workers (the server)', SCORING_WORKER: '1' },
  { engine: 'inline scoring (one-shot commands)', SCORING_WORKER: '0' },
])('scores in the store, $engine', ({ SCORING_WORKER }) => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance({ env: { SCORING_WORKER, SCORING_THREADS: '2' } });
    seedDemoStore(ingestDepsFrom(t.deps), { customers: 300, months: 6, seed: 11, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
  });
  afterEach(async () => {
    await t.deps.rescore.idle();
    await t.deps.models.close();
    t.close();
  });

  const buyers = () => t.deps.sqlite.query<{ id: string }, []>('SELECT DISTINCT customer_id AS id FROM transactions WHERE customer_id IS NOT NULL').all().map((r) => r.id);

  it('scores every buyer with the shipped models and shows scores, reasons and recommendations in the profile', async () => {
    const version = await t.deps.models.reload();
    expect(version).toMatch(/^default@[0-9a-f]{12}$/);
    const report = await rescoreEveryone(t.deps.scoring, t.clock(), { chunk: 64 });
    expect(report.customers).toBe(buyers().length);
    // Ranges of 64 handed to the threads in turn: each buyer scored once, none left out.
    expect(t.deps.sqlite.query('SELECT count(*) AS n, count(DISTINCT customer_id) AS d FROM customer_scores').get()).toEqual({ n: buyers().length, d: buyers().length });

    const frequent = t.deps.sqlite
      .query<{ customer_id: string }, []>('SELECT customer_id FROM customer_stats ORDER BY sale_count DESC LIMIT 1')
      .get()!.customer_id;
    const { status, body } = await t.call('GET', `/api/v1/customers/${frequent}`, { role: 'clerk' }, customerCardSchema);
    if (!body.scores) throw new Error('the frequent buyer was not scored');
    expect(status).toBe(200);
    expect(body.scores.model_version).toBe(version);
    expect(body.scores.p_purchase).toBeGreaterThan(0);
    expect(body.scores.p_purchase).toBeLessThanOrEqual(1);
    expect(body.scores.churn_risk).toBeCloseTo(1 - body.scores.p_purchase, 4);
    expect(body.scores.expected_purchases).toBeGreaterThan(0);
    expect(body.scores.clv).toBeGreaterThan(0);
    expect(body.scores.reasons.map((r) => r.code)).toContain('regular_rhythm');
    expect(body.scores.reasons[0]?.text).toMatch(/^usually buys every \d+ days?; last visit \d+ days? ago/);
    expect(body.recommendations.length).toBeGreaterThan(0);
    for (const r of body.recommendations) {
      expect(typeof r.sku).toBe('string');
      expect(typeof r.reason).toBe('string');
    }
    // A frequent buyer is more likely to come back than the least frequent ones.
    const rare = t.deps.sqlite
      .query<{ p: number }, []>('SELECT avg(p_purchase) AS p FROM customer_scores WHERE customer_id IN (SELECT customer_id FROM customer_stats WHERE sale_count = 1)')
      .get()!.p;
    expect(body.scores.p_purchase).toBeGreaterThan(rare);
  });

  it('rescores a customer after their transaction, and never recommends what they just returned', async () => {
    await t.deps.models.reload();
    const card = '88009999';
    const bought = sale({ customer: { loyalty_card: card }, occurred_at: new Date(t.clock() - 20 * DAY_MS).toISOString() });
    const first = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: bought }, ingestResultSchema);
    expect(first.status).toBe(201);
    await t.deps.rescore.idle();
    const id = first.body.customer_id ?? '';
    const before = t.deps.sqlite.query<{ scored_at: number; recommendations: string }, [string]>('SELECT scored_at, recommendations FROM customer_scores WHERE customer_id = ?').get(id)!;
    expect(before).not.toBeNull();
    // The sale's items are what a one-time buyer would be offered again; return them.
    const boughtSkus = bought.lines.map((l) => l.sku);
    expect(JSON.parse(before.recommendations).map((r: { sku: string }) => r.sku)).toEqual(expect.arrayContaining(boughtSkus));
    t.clock.advance(1000);
    const ret = await t.call('POST', '/api/v1/transactions', {
      role: 'terminal',
      body: sale({ kind: 'return', customer: { loyalty_card: card }, original: { terminal_id: bought.terminal_id, receipt_no: bought.receipt_no } }),
    });
    expect(ret.status).toBe(201);
    await t.deps.rescore.idle();
    const after = t.deps.sqlite.query<{ scored_at: number; recommendations: string }, [string]>('SELECT scored_at, recommendations FROM customer_scores WHERE customer_id = ?').get(id)!;
    expect(after.scored_at).toBeGreaterThan(before.scored_at);
    const skus = JSON.parse(after.recommendations).map((r: { sku: string }) => r.sku);
    for (const sku of boughtSkus) expect(skus).not.toContain(sku);
    const profile = await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }, customerCardSchema);
    expect(profile.body.scores?.reasons.map((r) => r.code)).toContain('recent_return');
  });

  it('leaves a returned item out of the profile and the actions at once, before rescoring has seen the return', async () => {
    await t.deps.models.reload();
    const card = '88009998';
    const bought = sale({ customer: { loyalty_card: card }, occurred_at: new Date(t.clock() - 20 * DAY_MS).toISOString() });
    const first = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: bought }, ingestResultSchema);
    await t.deps.rescore.idle();
    const id = first.body.customer_id ?? '';
    const boughtSkus = bought.lines.map((l) => l.sku);
    const stored = () => JSON.parse(t.deps.sqlite.query<{ r: string }, [string]>('SELECT recommendations AS r FROM customer_scores WHERE customer_id = ?').get(id)!.r).map((r: { sku: string }) => r.sku);
    expect(stored()).toEqual(expect.arrayContaining(boughtSkus));
    // The return goes through the ingest rules without the route that asks for a rescore: nothing rescores it.
    t.clock.advance(1000);
    const wire = transactionSchema.parse(sale({ kind: 'return', customer: { loyalty_card: card }, original: { terminal_id: bought.terminal_id, receipt_no: bought.receipt_no } }));
    const input = normalizeTransaction(wire, { storeId: 'S001', minorDigits: 2, phoneRegion: 'CN', now: t.clock() });
    t.deps.sqlite.transaction(() => applyTransaction(ingestDepsFrom(t.deps), input, t.clock()))();
    expect(stored()).toEqual(expect.arrayContaining(boughtSkus));
    const card1 = await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }, customerCardSchema);
    expect(card1.status).toBe(200);
    const shown = card1.body.recommendations.map((r) => r.sku);
    for (const sku of boughtSkus) expect(shown).not.toContain(sku);
    for (const a of card1.body.actions) {
      for (const sku of boughtSkus) expect(a.items.map((i) => i.sku)).not.toContain(sku);
      for (const name of bought.lines.map((l) => l.name).filter((n): n is string => typeof n === 'string')) expect(a.script).not.toContain(name);
    }
  });

  it('swaps to a newer model set without a restart while lookups and rescoring go on', async () => {
    const shipped = await t.deps.models.reload();
    const ids = buyers();
    await rescoreEveryone(t.deps.scoring, t.clock());
    // A newer set arrives in DATA_DIR/models (same trees, another manifest → another version).
    const newer = join(t.dir, 'models', '2099-01-01T0000Z');
    cpSync(SHIPPED_MODELS_DIR, newer, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(newer, CUSTOMER_MODELS_FILE), 'utf8'));
    writeFileSync(join(newer, CUSTOMER_MODELS_FILE), JSON.stringify({ ...manifest, as_of: '2099-01-01T00:00:00.000Z' }));

    const load = Array.from({ length: 40 }, (_, i) =>
      i % 2 === 0 ? rescoreCustomers(t.deps.scoring, ids.slice(i, i + 5), t.clock()) : t.call('GET', `/api/v1/customers/${ids[i]}`, { role: 'clerk' }),
    );
    const swapped = t.deps.models.reload();
    const results = await Promise.allSettled([...load, swapped]);
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const version = await swapped;
    expect(version).not.toBe(shipped);
    expect(version).toMatch(/^2099-01-01T0000Z@/);

    await rescoreCustomers(t.deps.scoring, ids.slice(0, 3), t.clock());
    const versions = t.deps.sqlite
      .query<{ model_version: string }, [string, string, string]>('SELECT model_version FROM customer_scores WHERE customer_id IN (?, ?, ?)')
      .all(ids[0]!, ids[1]!, ids[2]!)
      .map((r) => r.model_version);
    expect(versions).toEqual([version, version, version]);
  });

  it('scores exactly as the other engine does', async () => {
    await t.deps.models.reload();
    const ids = buyers().slice(0, 40);
    const other = inlineEngine(t);
    await other.reload();
    try {
      const [mine, theirs] = await Promise.all([t.deps.models.score(ids, t.clock()), other.score(ids, t.clock())]);
      expect(mine!.rows.length).toBe(ids.length);
      expect(mine).toEqual(theirs);
    } finally {
      await other.close();
    }
  });

  it('stores for everyone, range by range over its threads, what one engine computes for each', async () => {
    await t.deps.models.reload();
    await rescoreEveryone(t.deps.scoring, t.clock(), { chunk: 50 });
    const other = inlineEngine(t);
    await other.reload();
    try {
      const theirs = (await other.score(buyers(), t.clock()))!.rows
        .map((r) => ({ customer_id: r.customerId, p_purchase: r.pPurchase, clv: r.clv, reasons: r.reasonsJson, recommendations: r.recommendationsJson }))
        .sort((a, b) => (a.customer_id < b.customer_id ? -1 : 1));
      const stored = t.deps.sqlite.query('SELECT customer_id, p_purchase, clv, reasons, recommendations FROM customer_scores ORDER BY customer_id').all();
      expect(stored).toEqual(theirs);
    } finally {
      await other.close();
    }
  });
});

describe('the server engine', () => {
  let t: TestAppliance;
  beforeEach(() => {
    t = createTestAppliance({ env: { SCORING_WORKER: '1' } });
    seedDemoStore(ingestDepsFrom(t.deps), { customers: 120, months: 6, seed: 5, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
  });
  afterEach(async () => {
    await t.deps.models.close();
    t.close();
  });

  /** The server's two engines over the store's candidates, or the calling thread's over `inlineCandidates`. */
  const engines = (inlineCandidates?: () => string[]) => {
    const calls = { inline: 0, threads: 0 };
    // The real engines, counted: which one answered is the behaviour under test.
    const counted = (engine: ScoreEngine, key: keyof typeof calls): ScoreEngine => ({
      ...engine,
      score: (ids, now) => {
        calls[key] += 1;
        return engine.score(ids, now);
      },
    });
    const inline = inlineEngine(t, inlineCandidates ?? (() => candidateModelDirs(join(t.dir, 'models'), SHIPPED_MODELS_DIR)));
    const threads = createWorkerScoreEngine(
      { file: dbPath(t.dir), dataModelsDir: join(t.dir, 'models'), shippedDir: SHIPPED_MODELS_DIR, returnBlockDays: t.config.ACTIONS_RETURN_BLOCK_DAYS, k: t.config.SCORING_RECOMMENDATIONS, cacheKiB: 4096 },
      silentLogger,
    );
    return { calls, engine: createHybridScoreEngine(counted(inline, 'inline'), counted(threads, 'threads')) };
  };
  const buyers = () => t.deps.sqlite.query<{ id: string }, []>('SELECT DISTINCT customer_id AS id FROM transactions WHERE customer_id IS NOT NULL ORDER BY 1').all().map((r) => r.id);

  it('scores one customer on the calling thread and more on the scoring threads, with the same result', async () => {
    const { calls, engine } = engines();
    try {
      expect(await engine.reload()).toMatch(/^default@/);
      const [a, b] = buyers();
      const one = await engine.score([a!], t.clock());
      expect(calls).toEqual({ inline: 1, threads: 0 });
      const two = await engine.score([a!, b!], t.clock());
      expect(calls).toEqual({ inline: 1, threads: 1 });
      expect(one!.version).toBe(two!.version);
      expect(one!.rows).toEqual(two!.rows.slice(0, 1));

      // A newer set: the calling thread follows the threads' swap, and goes on scoring lone customers.
      const newer = join(t.dir, 'models', '2099-01-01T0000Z');
      cpSync(SHIPPED_MODELS_DIR, newer, { recursive: true });
      const manifest = JSON.parse(readFileSync(join(newer, CUSTOMER_MODELS_FILE), 'utf8'));
      writeFileSync(join(newer, CUSTOMER_MODELS_FILE), JSON.stringify({ ...manifest, as_of: '2099-01-01T00:00:00.000Z' }));
      const swapped = await engine.reload();
      expect(swapped).toMatch(/^2099-01-01T0000Z@/);
      expect((await engine.score([b!], t.clock()))!.version).toBe(swapped);
      expect(calls).toEqual({ inline: 2, threads: 1 });
    } finally {
      await engine.close();
    }
  });

  it('leaves even one customer to the scoring threads while the calling thread serves another version', async () => {
    // The calling thread finds no models (it would score nothing): the store's version is the threads'.
    const { calls, engine } = engines(() => []);
    try {
      await engine.reload();
      const one = await engine.score([buyers()[0]!], t.clock());
      expect(calls).toEqual({ inline: 0, threads: 1 });
      expect(one!.rows).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });
});

it('closes the scoring thread cleanly while it is still scoring (a shutdown during full rescoring)', async () => {
  const child = Bun.spawn([process.execPath, 'test/support/close-while-scoring.ts'], { stdout: 'pipe', stderr: 'pipe' });
  // A hung shutdown fails the test, and must not outlive it spinning on a core.
  const killer = setTimeout(() => child.kill('SIGKILL'), 45_000);
  const [out, err, code] = await Promise.all([new Response(child.stdout).text(), new Response(child.stderr).text(), child.exited]).finally(() =>
    clearTimeout(killer),
  );
  expect(err).not.toMatch(/panic|terminate called/);
  expect(code).toBe(0);
  const result = JSON.parse(out.trim().split('\n').pop()!) as { closed: boolean; outcome: string };
  // The chunk asked for before the close is answered in full, not cut off.
  expect(result.outcome).toMatch(/^scored [1-9]\d*$/);
}, 60_000);
