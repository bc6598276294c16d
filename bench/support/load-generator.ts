/**
 * Load generator, run as its own process so it never shares the server's event loop:
 *   bun bench/support/load-generator.ts <json options>
 * Modes: `closed` (C connections, each sends its next request as soon as the last answer arrives: the
 * maximum sustained rate) and `open` (requests leave on a fixed schedule at `rate`/s whatever the answers
 * do; latency is measured from the scheduled time, so a slow server cannot hide its queueing).
 * Prints one JSON object with the counts and latency percentiles (ms) on stdout.
 */
import { readFileSync } from 'node:fs';
import { seededRandom } from '../../server/demo/random.ts';
import { percentile, round } from './machine.ts';

interface Options {
  url: string;
  token?: string;
  mode: 'closed' | 'open';
  /** `ingest` posts a new realistic sale each time; `hello` GETs the plain route; `profile` GETs customers' profiles. */
  target: 'ingest' | 'hello' | 'profile';
  /** For `profile`: a file of customer ids, one per line. */
  idsFile?: string;
  connections: number;
  /** Closed mode: stop after this many requests (all counted, no warm-up) instead of after `durationMs`. */
  requests?: number;
  rate?: number;
  durationMs: number;
  warmupMs: number;
  pool: number;
  seed: number;
  terminalPrefix: string;
  /** The store the sales are for (the appliance's STORE_ID); S001 unless told. */
  storeId?: string;
}

const opts = JSON.parse(process.argv[2] ?? '{}') as Options;
const rnd = seededRandom(opts.seed);
const SKUS = 5000;
let receipt = 0;

/** 3–8 lines over the fixture's catalog; 70% identified by a card from the pool. */
function saleBody(terminal: string): string {
  receipt += 1;
  const n = rnd.int(3, 8);
  const lines = [];
  let total = 0;
  for (let i = 0; i < n; i++) {
    const sku = Math.floor(SKUS * rnd.next() ** 2);
    const qty = rnd.int(1, 3);
    const unit = 200 + ((sku * 7919) % 9800); // minor units, same price list as the fixture
    const discount = rnd.chance(0.1) ? 50 : 0;
    const amount = qty * unit - discount;
    total += amount;
    lines.push({ sku: `SKU${sku}`, name: `Item ${sku}`, category: `cat${sku % 20}`, quantity: qty, unit_price: unit / 100, discount: discount / 100, amount: amount / 100 });
  }
  const body: Record<string, unknown> = {
    store_id: opts.storeId ?? 'S001',
    terminal_id: terminal,
    receipt_no: `${opts.seed}-${receipt}`,
    occurred_at: new Date().toISOString(),
    kind: 'sale',
    lines,
    tenders: [{ type: rnd.chance(0.5) ? 'card' : 'cash', amount: total / 100 }],
  };
  if (rnd.chance(0.7)) body.customer = { loyalty_card: `88${String(Math.floor(opts.pool * rnd.next())).padStart(10, '0')}` };
  return JSON.stringify(body);
}

const ids = opts.idsFile ? readFileSync(opts.idsFile, 'utf8').trim().split('\n') : [];

async function once(conn: number): Promise<boolean> {
  const res =
    opts.target === 'hello'
      ? await fetch(`${opts.url}/livez`)
      : opts.target === 'profile'
        ? await fetch(`${opts.url}/api/v1/customers/${ids[Math.floor(rnd.next() * ids.length)]}`, { headers: { authorization: `Bearer ${opts.token}` } })
        : await fetch(`${opts.url}/api/v1/transactions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
          body: saleBody(`${opts.terminalPrefix}${conn}`),
        });
  const body = await res.arrayBuffer();
  const good = res.status === 201 || res.status === 200;
  if (!good) reportFailure(`HTTP ${res.status} ${new TextDecoder().decode(body).slice(0, 300)}`);
  return good;
}

/** The first few failures, on stderr: a run that counts a failure should also say what it was. */
let failuresShown = 0;
function reportFailure(what: string): void {
  if (failuresShown < 5) console.error(`[load] failed request: ${what}`);
  failuresShown += 1;
}

const latencies: number[] = [];
let ok = 0;
let failed = 0;
const start = performance.now();
const measureFrom = start + opts.warmupMs;
const end = measureFrom + opts.durationMs;

function record(scheduled: number, success: boolean): void {
  if (scheduled < measureFrom) return;
  latencies.push(performance.now() - scheduled);
  if (success) ok += 1;
  else failed += 1;
}

let sent = 0;
const more = () => (opts.requests === undefined ? performance.now() < end : sent++ < opts.requests);

if (opts.mode === 'closed') {
  await Promise.all(
    Array.from({ length: opts.connections }, async (_, conn) => {
      while (more()) {
        const t = performance.now();
        record(t, await once(conn).catch((e: unknown) => (reportFailure(String(e)), false)));
      }
    }),
  );
} else {
  const interval = 1000 / (opts.rate ?? 1000);
  const inflight: Array<Promise<void>> = [];
  let k = 0;
  while (true) {
    const scheduled = start + k * interval;
    if (scheduled >= end) break;
    const wait = scheduled - performance.now();
    if (wait > 1) await Bun.sleep(wait);
    const conn = k % opts.connections;
    // Latency counts from the scheduled time (a late send is the server's backlog, not hidden), or from the
    // send if it left early (the wait above is skipped under 1 ms, and timers may fire early): never from a
    // moment after the request left, which would make it look faster.
    const from = Math.min(scheduled, performance.now());
    inflight.push(once(conn).then((s) => record(from, s), (e: unknown) => (reportFailure(String(e)), record(from, false))));
    k += 1;
    if (inflight.length > 10_000) await Promise.all(inflight.splice(0));
  }
  await Promise.all(inflight);
}

latencies.sort((a, b) => a - b);
const seconds = opts.requests === undefined ? opts.durationMs / 1000 : (performance.now() - start) / 1000;
console.log(
  JSON.stringify({
    ok,
    failed,
    per_second: round((ok + failed) / seconds, 0),
    p50_ms: round(percentile(latencies, 0.5)),
    p99_ms: round(percentile(latencies, 0.99)),
    max_ms: round(latencies[latencies.length - 1] ?? Number.NaN),
  }),
);
