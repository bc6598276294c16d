import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../../server/kernel/clock.ts';
import { seededRandom } from '../../server/demo/random.ts';
import { recordCustomerEvent } from '../../server/identity/customer-view.ts';
import { linkIdentifier } from '../../server/identity/identity.service.ts';
import { newId } from '../../server/kernel/ids.ts';

/*
 * Writes the facts of a large store straight into SQLite (bypassing the ingest path, which the ingest
 * benchmark measures): customers with cards (through the identity module's events, as registrations are), two years of sales with 3–8 lines over a Zipf-like catalog,
 * 70% identified, some linked returns, and earn entries in the points ledger. Derived tables are then
 * built by the real rebuild. Deterministic for a seed.
 */

export interface BigStoreSpec {
  customers: number;
  lines: number;
  now: number;
  seed?: number;
}

const SKUS = 5000;
const CATEGORIES = 20;

export function writeBigStore(sqlite: Database, spec: BigStoreSpec, log: (s: string) => void): { transactions: number; lines: number } {
  const rnd = seededRandom(spec.seed ?? 1);
  const start = spec.now - 730 * DAY_MS;
  // Zipf-like popularity: the cumulative weights of 1/(rank^0.9).
  const cumulative: number[] = [];
  let acc = 0;
  for (let r = 1; r <= SKUS; r++) cumulative.push((acc += 1 / r ** 0.9));
  const pickSku = () => {
    const x = rnd.next() * acc;
    let lo = 0;
    let hi = SKUS - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < x) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  const price = (sku: number) => 200 + ((sku * 7919) % 9800);

  const insertTx = sqlite.query(
    `INSERT INTO transactions (id, store_id, terminal_id, receipt_no, kind, occurred_at, utc_offset_min, customer_id, recorded_customer_id, total, line_count,
       points_earned, points_reversed, points_redeemed, points_balance, original_tx_id, tenders, change_amount, coupons, content_hash, source, received_at)
     VALUES (?, 'S001', ?, ?, ?, ?, 480, ?, ?, ?, ?, ?, 0, 0, NULL, ?, '[]', 0, '[]', ?, 'bench', ?)`,
  );
  const insertLine = sqlite.query(
    'INSERT INTO transaction_lines (tx_id, line_no, sku, name, category, quantity_milli, unit_price, discount, amount, void) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, 0)',
  );

  const ids: string[] = [];
  const joined: number[] = [];
  sqlite.transaction(() => {
    for (let i = 0; i < spec.customers; i++) {
      const at = Math.round(start + rnd.next() * (spec.now - start) * 0.9);
      const id = newId(at);
      ids.push(id);
      joined.push(at);
      const registered = rnd.chance(0.6);
      const values = { consent_sms: rnd.chance(0.5) ? 1 : 0 };
      recordCustomerEvent(sqlite, id, 'created', at, { origin: 'bench', store_id: 'S001' });
      linkIdentifier(sqlite, id, { kind: 'card', value: `88${String(i).padStart(10, '0')}` }, at);
      recordCustomerEvent(sqlite, id, registered ? 'registered' : 'profile_updated', at, { values, identifiers: [] });
    }
  })();
  log(`customers: ${spec.customers}`);

  // Transactions in time order; each picks a customer (70%) weighted towards a heavy-buying minority.
  const txCount = Math.round(spec.lines / 5.5);
  const times = Array.from({ length: txCount }, () => Math.round(start + rnd.next() * (spec.now - start))).sort((a, b) => a - b);
  let lines = 0;
  const BATCH = 50_000;
  for (let b = 0; b < txCount; b += BATCH) {
    sqlite.transaction(() => {
      for (let k = b; k < Math.min(txCount, b + BATCH); k++) {
        const at = times[k]!;
        let customer: string | null = null;
        if (rnd.chance(0.7)) {
          const c = Math.floor(spec.customers * rnd.next() ** 2); // skewed: low indices buy more
          if (joined[c]! <= at) customer = ids[c]!;
        }
        const id = newId(at);
        const n = rnd.int(3, 8);
        let total = 0;
        const picked = new Set<number>();
        while (picked.size < n) picked.add(pickSku());
        let lineNo = 0;
        const isReturn = rnd.chance(0.02);
        const sign = isReturn ? -1 : 1;
        const rows: Array<[number, number]> = [];
        for (const sku of picked) {
          const amount = price(sku);
          total += amount;
          rows.push([sku, amount]);
        }
        insertTx.run(id, `T${k % 8}`, `B${k}`, isReturn ? 'return' : 'sale', at, customer, customer, sign * total, n, customer && !isReturn ? Math.floor(total / 100) : 0, null, `h${k}`, at);
        for (const [sku, amount] of rows) {
          insertLine.run(id, ++lineNo, `SKU${sku}`, `Item ${sku}`, `cat${sku % CATEGORIES}`, sign * 1000, amount, sign * amount);
        }
        lines += n;
      }
    })();
    if ((b / BATCH) % 10 === 0) log(`transactions: ${Math.min(txCount, b + BATCH)} / ${txCount}`);
  }
  sqlite.run(
    `INSERT INTO loyalty_ledger (customer_id, recorded_customer_id, kind, points, tx_id, lot_id, effective_at, available_at, expires_at, created_at)
     SELECT customer_id, customer_id, 'earn', points_earned, id, NULL, occurred_at, occurred_at + ${14 * DAY_MS}, occurred_at + ${365 * DAY_MS}, occurred_at
     FROM transactions WHERE customer_id IS NOT NULL AND points_earned > 0`,
  );
  // Their numbers in the change log, as the fact writer gives them (transactions in time order, then the ledger).
  sqlite.run("INSERT INTO change_log (kind, ref) SELECT 'transaction', id FROM transactions ORDER BY rowid");
  sqlite.run("INSERT INTO change_log (kind, ref) SELECT 'ledger', CAST(id AS TEXT) FROM loyalty_ledger ORDER BY id");
  log('ledger written');
  return { transactions: txCount, lines };
}
