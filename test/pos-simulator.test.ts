import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runPosSimulator } from '../server/demo/pos-simulator.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { createTestAppliance, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
let server: ReturnType<typeof Bun.serve>;
beforeEach(() => {
  t = createTestAppliance({ now: new Date().toISOString() });
  seedDemoStore(ingestDepsFrom(t.deps), { customers: 100, months: 1, seed: 42, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: t.app.fetch });
});
afterEach(async () => {
  await server.stop(true);
  t.close();
});

describe('POS simulator', () => {
  it('posts demo-store sales through the real HTTP API; retries after lost answers are replays, not new sales', async () => {
    const before = t.counts().transactions;
    let posts = 0;
    const seen = new Set<unknown>();
    // The first answer to every 4th sale is lost after the server has stored it (the network died on the
    // way back); its retry gets through.
    const lossyFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      const firstAttempt = !seen.has(init?.body);
      seen.add(init?.body);
      const res = await fetch(input, init);
      if (firstAttempt && ++posts % 4 === 0) throw new Error('connection reset');
      return res;
    }) as typeof fetch;
    const report = await runPosSimulator({
      url: `http://127.0.0.1:${server.port}`,
      token: t.tokens.terminal,
      terminals: 3,
      rate: 60,
      durationMs: 1500,
      storeId: 'S001',
      seed: 42,
      customers: 100,
      fetch: lossyFetch,
    });
    expect(report.sent).toBeGreaterThan(50);
    expect({ failed: report.failed, rejected: report.rejected, rejections: report.rejections, failures: report.failures }).toEqual({ failed: 0, rejected: 0, rejections: [], failures: [] });
    expect(report.retries).toBeGreaterThan(0);
    expect(report.replayed).toBeGreaterThan(0);
    expect(report.acknowledged + report.replayed).toBe(report.sent);
    // Exactly one stored transaction per sale sent, whatever was retried.
    expect(t.counts().transactions - before).toBe(report.sent);
    // The simulator's customers are the demo store's: their cards resolve to existing customers.
    const identified = t.deps.sqlite.query("SELECT count(*) AS n FROM transactions WHERE terminal_id LIKE 'SIM%' AND customer_id IS NOT NULL").get() as { n: number };
    expect(identified.n).toBeGreaterThan(report.sent * 0.5);
  });
});
