import { Database } from 'bun:sqlite';
import { join } from 'node:path';
import type { TransactionFact } from '../../server/db/fact-writer.ts';
import { testConfig } from '../../server/kernel/config.ts';
import { loyaltyRulesFrom } from '../../server/loyalty/loyalty-rules.ts';
import { pointsView } from '../../server/loyalty/loyalty.service.ts';
import { type Ack, errorCodeOf, resultOf, txKey, type WireTx } from './pos-load.ts';

/*
 * Reads of the store file for the fault test, through a read-only connection of the test's own (the
 * server may be running: WAL lets a reader see the last commit). Each check returns the list of what is
 * wrong, so one failing cycle reports everything at once.
 */

export function openStore(dataDir: string): Database {
  return new Database(join(dataDir, 'store.db'), { readonly: true, strict: true });
}

export type TxRow = Pick<
  TransactionFact,
  'id' | 'store_id' | 'terminal_id' | 'receipt_no' | 'total' | 'line_count' | 'points_earned' | 'points_reversed' | 'points_redeemed' | 'points_balance' | 'original_tx_id'
> & { kind: string; customer_id: string | null; lines: number };

export function readTransactions(db: Database): TxRow[] {
  return db
    .query<TxRow, []>(
      `SELECT t.id, t.store_id, t.terminal_id, t.receipt_no, t.kind, t.customer_id, t.total, t.line_count, t.points_earned,
              t.points_reversed, t.points_redeemed, t.points_balance, t.original_tx_id,
              (SELECT count(*) FROM transaction_lines l WHERE l.tx_id = t.id) AS lines
       FROM transactions t`,
    )
    .all();
}

export function factCounts(db: Database): Record<string, number> {
  const tables = ['transactions', 'transaction_lines', 'loyalty_ledger', 'customers', 'identity_links', 'customer_events'];
  return Object.fromEntries(tables.map((t) => [t, db.query<{ n: number }, []>(`SELECT count(*) AS n FROM ${t}`).get()!.n]));
}

/** Follows merged_into to the surviving customer. */
export function canonicalizer(db: Database): (id: string) => string | null {
  const mergedInto = new Map(db.query<{ id: string; merged_into: string | null }, []>('SELECT id, merged_into FROM customers').all().map((r) => [r.id, r.merged_into]));
  return (id) => {
    let current = id;
    for (let hops = 0; hops < 32; hops++) {
      if (!mergedInto.has(current)) return null;
      const next = mergedInto.get(current);
      if (next === null || next === undefined) return current;
      current = next;
    }
    return null;
  };
}

const signedTotal = (tx: WireTx) => (tx.kind === 'return' ? -1 : 1) * tx.lines.reduce((s, l) => s + Math.round(l.amount * 100), 0);

/** Every acknowledged transaction: there exactly once, by key and by id, as it was acknowledged. */
export function checkAcknowledged(db: Database, acked: ReadonlyMap<string, Ack>): string[] {
  const rows = readTransactions(db);
  const byKey = Map.groupBy(rows, (r) => txKey(r));
  const byId = Map.groupBy(rows, (r) => r.id);
  const canonical = canonicalizer(db);
  const ledger = ledgerByTx(db);
  const problems: string[] = [];
  for (const [key, ack] of acked) {
    const found = byKey.get(key) ?? [];
    if (found.length !== 1) {
      problems.push(`${key}: acknowledged as ${ack.result.id}, stored ${found.length} times`);
      continue;
    }
    const row = found[0]!;
    const sameId = byId.get(ack.result.id) ?? [];
    if (row.id !== ack.result.id || sameId.length !== 1) problems.push(`${key}: acknowledged id ${ack.result.id}, stored ${row.id} (${sameId.length} rows with that id)`);
    const expected = {
      points_earned: ack.result.points_earned,
      points_reversed: ack.result.points_reversed,
      points_redeemed: ack.result.points_redeemed,
      points_balance: ack.result.points_balance,
      original_tx_id: ack.result.original_id,
      total: signedTotal(ack.tx),
      line_count: ack.tx.lines.length,
      lines: ack.tx.lines.length,
    };
    const actual = Object.fromEntries(Object.keys(expected).map((k) => [k, row[k as keyof TxRow]]));
    if (JSON.stringify(actual) !== JSON.stringify(expected)) problems.push(`${key}: stored ${JSON.stringify(actual)}, acknowledged ${JSON.stringify(expected)}`);
    // Merges re-point facts to the survivor: the stored customer is the survivor of the acknowledged one.
    const ackCustomer = ack.result.customer_id === null ? null : canonical(ack.result.customer_id);
    if (ackCustomer !== row.customer_id) problems.push(`${key}: acknowledged customer ${ack.result.customer_id} (now ${ackCustomer}), stored ${row.customer_id}`);
    const points = ledger.get(row.id) ?? { earn: 0, redeem: 0, reverse: 0, entries: 0 };
    const wanted = { earn: row.points_earned, redeem: -row.points_redeemed, reverse: -row.points_reversed };
    if (points.earn !== wanted.earn || points.redeem !== wanted.redeem || points.reverse !== wanted.reverse || points.entries > 3) {
      problems.push(`${key}: ledger entries ${JSON.stringify(points)}, transaction says ${JSON.stringify(wanted)}`);
    }
  }
  return problems;
}

/** Per transaction id: the sum of its earn / redeem / reverse ledger entries and how many entries it has. */
function ledgerByTx(db: Database): Map<string, { earn: number; redeem: number; reverse: number; entries: number }> {
  const out = new Map<string, { earn: number; redeem: number; reverse: number; entries: number }>();
  const rows = db.query<{ tx_id: string; kind: string; points: number; n: number }, []>(
    'SELECT tx_id, kind, sum(points) AS points, count(*) AS n FROM loyalty_ledger WHERE tx_id IS NOT NULL GROUP BY tx_id, kind',
  ).all();
  for (const r of rows) {
    const e = out.get(r.tx_id) ?? { earn: 0, redeem: 0, reverse: 0, entries: 0 };
    if (r.kind === 'earn' || r.kind === 'redeem' || r.kind === 'reverse') e[r.kind] += r.points;
    e.entries += r.n;
    out.set(r.tx_id, e);
  }
  return out;
}

/** No key or id twice, and no transaction the load does not know about. */
export function checkNoStrangers(db: Database, known: ReadonlySet<string>): string[] {
  const problems: string[] = [];
  const twice = db.query<{ k: string; n: number }, []>(
    "SELECT terminal_id || '/' || receipt_no AS k, count(*) AS n FROM transactions GROUP BY store_id, terminal_id, receipt_no HAVING n > 1",
  ).all();
  for (const r of twice) problems.push(`${r.k}: stored ${r.n} times`);
  const ids = db.query<{ id: string; n: number }, []>('SELECT id, count(*) AS n FROM transactions GROUP BY id HAVING n > 1').all();
  for (const r of ids) problems.push(`id ${r.id}: ${r.n} rows`);
  for (const row of readTransactions(db)) if (!known.has(txKey(row))) problems.push(`${txKey(row)}: stored but never sent`);
  return problems;
}

/**
 * Points, for every customer: the balance in customer_points equals the sum of the ledger, the ledger
 * replayed splits that balance exactly into spendable + pending, and no alias (merged) customer still
 * holds entries, a balance or transactions.
 */
export function checkPoints(db: Database, now: number): string[] {
  const problems: string[] = [];
  const sums = new Map(db.query<{ id: string; s: number }, []>('SELECT customer_id AS id, sum(points) AS s FROM loyalty_ledger GROUP BY customer_id').all().map((r) => [r.id, r.s]));
  const balances = new Map(db.query<{ id: string; b: number }, []>('SELECT customer_id AS id, balance AS b FROM customer_points').all().map((r) => [r.id, r.b]));
  const rules = loyaltyRulesFrom(testConfig());
  for (const id of new Set([...sums.keys(), ...balances.keys()])) {
    const sum = sums.get(id) ?? 0;
    const balance = balances.get(id) ?? 0;
    if (sum !== balance) problems.push(`customer ${id}: ledger sums to ${sum}, customer_points says ${balance}`);
    const view = pointsView(db, rules, id, now);
    if (view.balance !== sum || view.spendable + view.pending !== view.balance) {
      problems.push(`customer ${id}: ledger ${sum}, replayed balance ${view.balance} = spendable ${view.spendable} + pending ${view.pending}?`);
    }
  }
  const aliasHolding = db.query<{ id: string; what: string }, []>(
    `SELECT c.id, 'ledger' AS what FROM customers c JOIN loyalty_ledger l ON l.customer_id = c.id WHERE c.merged_into IS NOT NULL
     UNION SELECT c.id, 'balance' FROM customers c JOIN customer_points p ON p.customer_id = c.id WHERE c.merged_into IS NOT NULL
     UNION SELECT c.id, 'transactions' FROM customers c JOIN transactions t ON t.customer_id = c.id WHERE c.merged_into IS NOT NULL`,
  ).all();
  for (const r of aliasHolding) problems.push(`merged customer ${r.id} still holds ${r.what}`);
  return problems;
}

/** The derived tables a rebuild recomputes from facts (next_expiry_at is a cache and is left out). */
export function derivedSnapshot(db: Database) {
  return {
    customers: db.query('SELECT * FROM customers ORDER BY id').all(),
    links: db.query('SELECT * FROM identity_links ORDER BY kind, value').all(),
    owners: db.query('SELECT id, customer_id FROM transactions ORDER BY id').all(),
    stats: db.query('SELECT * FROM customer_stats ORDER BY customer_id').all(),
    points: db.query('SELECT customer_id, balance FROM customer_points ORDER BY customer_id').all(),
    months: db.query('SELECT * FROM customer_months ORDER BY customer_id, month').all(),
    lifecycle: db.query('SELECT customer_id, stage, purchase_count, first_purchase_at, last_purchase_at, second_purchase_at FROM customer_lifecycle ORDER BY customer_id').all(),
  };
}

/**
 * Re-posts of requests that got no answer (`stored`: key → id on the file before the re-posts): 200 with the
 * stored id exactly when it was stored, else 201, or a refusal for points it could no longer spend.
 */
export function checkRetries(stored: ReadonlyMap<string, string>, unanswered: readonly WireTx[], retries: ReadonlyArray<{ status: number; body: unknown } | null>): string[] {
  return retries.flatMap((res, i) => {
    const key = txKey(unanswered[i]!);
    const storedId = stored.get(key);
    if (res === null) return [`${key}: no answer to the retry`];
    if (res.status === 200 && storedId !== undefined && resultOf(res.body).id === storedId) return [];
    if (res.status === 201 && storedId === undefined) return [];
    if (res.status === 409 && errorCodeOf(res.body) === 'insufficient_points' && storedId === undefined) return [];
    return [`${key}: ${storedId ? `stored as ${storedId}` : 'absent'} before the retry, which answered ${res.status} ${JSON.stringify(res.body)}`];
  });
}
