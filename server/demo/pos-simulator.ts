import { systemClock } from '../kernel/clock.ts';
import { nonVoidTotal } from '../kernel/transaction-input.ts';
import { buildCatalog, type CatalogItem } from './catalog.ts';
import { demoBasket } from './demo-baskets.ts';
import { makeDemoCustomers } from './demo-customers.ts';
import { seededRandom } from './random.ts';
import { includedVat } from './demo-vat.ts';

/*
 * Live POS traffic for the demo store: K terminals posting sales of the demo store's customers at a total
 * rate R per second through the real API. A failed or unanswered post is retried with the SAME body
 * (same receipt number), so a retry after a lost answer is a replay (200), never a second sale.
 */

export interface SimulatorOptions {
  url: string;
  token: string;
  terminals: number;
  /** Transactions per second, all terminals together. */
  rate: number;
  durationMs: number;
  storeId: string;
  /** Must match the demo store's seed and size to use its customers and catalog. */
  seed: number;
  customers: number;
  maxAttempts?: number;
  fetch?: typeof fetch;
  now?: () => number;
}

export interface SimulatorReport {
  sent: number;
  acknowledged: number;
  replayed: number;
  rejected: number;
  failed: number;
  retries: number;
  latencyMs: { p50: number; p99: number; max: number };
  elapsedMs: number;
  rejections: Array<{ status: number; code: string }>;
  /** Why the last attempt of each failed post failed (first 20). */
  failures: string[];
}

export async function runPosSimulator(opts: SimulatorOptions): Promise<SimulatorReport> {
  const doFetch = opts.fetch ?? fetch;
  const now = opts.now ?? systemClock;
  // The demo store draws its catalog first from the same seed: same SKUs, names and prices.
  const rnd = seededRandom(opts.seed);
  const catalog = buildCatalog(rnd);
  const byCategory = Map.groupBy(catalog, (i) => i.category) as Map<string, CatalogItem[]>;
  const customers = makeDemoCustomers(rnd, opts.customers, now(), now(), catalog);
  const run = `${now().toString(36).toUpperCase()}`;
  const report: SimulatorReport = { sent: 0, acknowledged: 0, replayed: 0, rejected: 0, failed: 0, retries: 0, latencyMs: { p50: 0, p99: 0, max: 0 }, elapsedMs: 0, rejections: [], failures: [] };
  const latencies: number[] = [];
  const maxAttempts = opts.maxAttempts ?? 5;
  const started = now();
  const perTerminalGapMs = (1000 * opts.terminals) / opts.rate;

  const post = async (body: string): Promise<void> => {
    const t0 = performance.now();
    let lastFailure = '';
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (attempt > 1) {
        report.retries += 1;
        await Bun.sleep(Math.min(2000, 50 * 2 ** attempt));
      }
      let res: Response;
      try {
        res = await doFetch(`${opts.url}/api/v1/transactions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
          body,
          signal: AbortSignal.timeout(5000),
        });
      } catch (error) {
        // No answer: we cannot know whether it was stored; the retry will tell (201 or 200).
        lastFailure = error instanceof Error ? error.message : String(error);
        continue;
      }
      if (res.status >= 500) {
        lastFailure = `${res.status} ${await res.text().catch(() => '')}`;
        continue;
      }
      latencies.push(performance.now() - t0);
      if (res.status === 201) report.acknowledged += 1;
      else if (res.status === 200) report.replayed += 1;
      else {
        report.rejected += 1;
        const err = (await res.json().catch(() => ({}))) as { error?: { code?: string } };
        if (report.rejections.length < 20) report.rejections.push({ status: res.status, code: err.error?.code ?? 'unknown' });
      }
      return;
    }
    report.failed += 1;
    if (report.failures.length < 20) report.failures.push(lastFailure);
  };

  const terminal = async (k: number) => {
    const terminalId = `SIM${String(k + 1).padStart(2, '0')}`;
    let seq = 0;
    let next = started + rnd.next() * perTerminalGapMs;
    const inFlight: Array<Promise<void>> = [];
    while (next < started + opts.durationMs) {
      const wait = next - now();
      if (wait > 0) await Bun.sleep(wait);
      seq += 1;
      const customer = rnd.chance(0.7) && customers.length > 0 ? rnd.pick(customers) : null;
      const lines = demoBasket(rnd, byCategory, catalog, customer);
      const total = nonVoidTotal(lines);
      const body = JSON.stringify({
        store_id: opts.storeId,
        terminal_id: terminalId,
        receipt_no: `${run}-${seq}`,
        occurred_at: new Date(now()).toISOString(),
        kind: 'sale',
        customer: customer ? { loyalty_card: customer.card } : null,
        lines: lines.map((l) => ({
          sku: l.sku,
          name: l.name,
          category: l.category,
          quantity: l.quantityMilli / 1000,
          unit_price: (l.unitPrice ?? 0) / 100,
          discount: l.discount / 100,
          amount: (l.amount ?? 0) / 100,
          void: l.void,
        })),
        tenders: [{ type: 'card', amount: total / 100 }],
        tax: { amount: includedVat(total) / 100, included: true },
      });
      report.sent += 1;
      inFlight.push(post(body));
      next += perTerminalGapMs;
    }
    await Promise.all(inFlight);
  };

  await Promise.all(Array.from({ length: opts.terminals }, (_, k) => terminal(k)));
  report.elapsedMs = now() - started;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0) * 100) / 100;
  report.latencyMs = { p50: at(0.5), p99: at(0.99), max: at(1) };
  return report;
}
