import type { Database } from 'bun:sqlite';
import { type LifecycleFacts, type LifecycleRules, lifecycleFacts, type Stage, type StageAt, stageAt, timeTransitions } from './lifecycle-rules.ts';

/*
 * Keeps customer_lifecycle current: on every fact about a customer (evaluateCustomerLifecycle, inside the
 * writer's transaction) and when only time passes (sweepLifecycle, daily). Every change of stage is written
 * to stage_changes dated when it happened.
 */

interface LifecycleRow {
  customer_id: string;
  stage: Stage;
  since: number;
  joined_at: number;
  purchase_count: number;
  first_purchase_at: number | null;
  last_purchase_at: number | null;
  second_purchase_at: number | null;
  median_gap_ms: number | null;
  active_since: number | null;
}

const factsOf = (r: LifecycleRow): LifecycleFacts => ({
  joinedAt: r.joined_at,
  purchaseCount: r.purchase_count,
  firstPurchaseAt: r.first_purchase_at,
  lastPurchaseAt: r.last_purchase_at,
  secondPurchaseAt: r.second_purchase_at,
  medianGapMs: r.median_gap_ms,
  activeSince: r.active_since,
});

/** Sale times that count as purchases: with the refund rule, a sale fully returned does not. */
function countedPurchases(sqlite: Database, rules: LifecycleRules, customerId: string): number[] {
  // The common case reads the covering index transactions_customer_time (customer_id, occurred_at, kind,
  // total) alone: no lookup of each transaction's row. Only a customer with returns, under the refund
  // rule, needs ids and original_tx_id. A linked return carries its sale's customer (it takes it when it
  // names none), so the customer's own returns are the ones that can undo their sales.
  const times = sqlite
    .query<unknown, [string]>("SELECT occurred_at, kind = 'sale' FROM transactions WHERE customer_id = ? ORDER BY occurred_at")
    .values(customerId) as Array<[number, number]>;
  const purchases: number[] = [];
  for (const [at, isSale] of times) {
    if (isSale === 1) purchases.push(at);
    else if (rules.refundsUndoPurchase) return countedPurchasesWithRefunds(sqlite, customerId);
  }
  return purchases;
}

function countedPurchasesWithRefunds(sqlite: Database, customerId: string): number[] {
  const rows = sqlite
    .query<{ id: string; kind: 'sale' | 'return'; occurred_at: number; total: number; original_tx_id: string | null }, [string]>(
      'SELECT id, kind, occurred_at, total, original_tx_id FROM transactions WHERE customer_id = ? ORDER BY occurred_at',
    )
    .all(customerId);
  const refunded = new Map<string, number>();
  for (const r of rows) if (r.kind === 'return' && r.original_tx_id) refunded.set(r.original_tx_id, (refunded.get(r.original_tx_id) ?? 0) - r.total);
  return rows.filter((r) => r.kind === 'sale' && !(r.total > 0 && (refunded.get(r.id) ?? 0) >= r.total)).map((r) => r.occurred_at);
}

function recordChange(sqlite: Database, customerId: string, from: Stage | null, to: StageAt, now: number): void {
  sqlite
    .query('INSERT INTO stage_changes (customer_id, from_stage, to_stage, at, recorded_at) VALUES (?, ?, ?, ?, ?)')
    .run(customerId, from, to.stage, to.since, now);
}

function writeRow(sqlite: Database, customerId: string, s: StageAt, f: LifecycleFacts, now: number): void {
  sqlite
    .query(
      `INSERT INTO customer_lifecycle (customer_id, stage, since, joined_at, purchase_count, first_purchase_at, last_purchase_at,
         median_gap_ms, active_since, second_purchase_at, evaluated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET stage = excluded.stage, since = excluded.since, joined_at = excluded.joined_at,
         purchase_count = excluded.purchase_count, first_purchase_at = excluded.first_purchase_at,
         last_purchase_at = excluded.last_purchase_at, median_gap_ms = excluded.median_gap_ms,
         active_since = excluded.active_since, second_purchase_at = excluded.second_purchase_at, evaluated_at = excluded.evaluated_at`,
    )
    .run(customerId, s.stage, s.since, f.joinedAt, f.purchaseCount, f.firstPurchaseAt, f.lastPurchaseAt,
      f.medianGapMs === null ? null : Math.round(f.medianGapMs), f.activeSince, f.secondPurchaseAt, now);
}

/**
 * Re-evaluates one customer after a fact about them (a transaction at `factAt`, a registration, a merge).
 * Stage changes that time alone caused before that fact are recorded first, at their own moments; the
 * change the fact caused is dated at the fact (or when the new stage began, if later).
 */
export function evaluateCustomerLifecycle(sqlite: Database, rules: LifecycleRules, customerId: string, now: number, factAt = now): StageAt {
  const customer = sqlite
    .query<{ joined_at: number }, [string]>('SELECT coalesce(registered_at, created_at) AS joined_at FROM customers WHERE id = ?')
    .get(customerId);
  if (!customer) throw new Error(`evaluateCustomerLifecycle: no customer ${customerId}`);
  const facts = lifecycleFacts(rules, customer.joined_at, countedPurchases(sqlite, rules, customerId));
  const next = stageAt(rules, facts, now);
  const prev = sqlite.query<LifecycleRow, [string]>('SELECT * FROM customer_lifecycle WHERE customer_id = ?').get(customerId);
  if (!prev) recordChange(sqlite, customerId, null, next, now);
  else {
    let current: StageAt = { stage: prev.stage, since: prev.since };
    for (const step of timeTransitions(rules, factsOf(prev), current, now)) {
      if (step.since >= factAt) break;
      recordChange(sqlite, customerId, current.stage, step, now);
      current = step;
    }
    if (current.stage !== next.stage) {
      recordChange(sqlite, customerId, current.stage, { stage: next.stage, since: Math.max(next.since, Math.min(factAt, now)) }, now);
    }
  }
  if (prev && prev.stage === next.stage && prev.first_purchase_at === facts.firstPurchaseAt && prev.second_purchase_at === facts.secondPurchaseAt) {
    updateUnindexed(sqlite, customerId, next, facts, now);
  } else writeRow(sqlite, customerId, next, facts, now);
  return next;
}

/**
 * The row when its indexed columns (stage; first and second purchase) keep their values, the common
 * case of a repeat purchase. SQLite re-writes the entry of every index whose column is named in SET, even
 * with an equal value: each one is another dirty page in the WAL at COMMIT.
 */
function updateUnindexed(sqlite: Database, customerId: string, s: StageAt, f: LifecycleFacts, now: number): void {
  sqlite
    .query(
      `UPDATE customer_lifecycle SET since = ?, joined_at = ?, purchase_count = ?, last_purchase_at = ?, median_gap_ms = ?, active_since = ?,
         evaluated_at = ? WHERE customer_id = ?`,
    )
    .run(s.since, f.joinedAt, f.purchaseCount, f.lastPurchaseAt, f.medianGapMs === null ? null : Math.round(f.medianGapMs), f.activeSince, now, customerId);
}

/** Forgets an alias's lifecycle after a merge (its history moves to the survivor). */
export function moveLifecycleHistory(sqlite: Database, fromCustomer: string, toCustomer: string): void {
  sqlite.query('DELETE FROM customer_lifecycle WHERE customer_id = ?').run(fromCustomer);
  sqlite.query('UPDATE stage_changes SET customer_id = ? WHERE customer_id = ?').run(toCustomer, fromCustomer);
}

/**
 * The daily sweep: time alone moves customers (active → at risk → dormant, new → prospect). Reads only
 * customer_lifecycle (no transaction scan) and writes the changes. Returns how many customers changed.
 */
export function sweepLifecycle(sqlite: Database, rules: LifecycleRules, now: number): { scanned: number; changed: number } {
  const rows = sqlite.query<LifecycleRow, []>("SELECT * FROM customer_lifecycle WHERE stage <> 'dormant'").all();
  const update = sqlite.query('UPDATE customer_lifecycle SET stage = ?, since = ?, evaluated_at = ? WHERE customer_id = ?');
  let changed = 0;
  for (const row of rows) {
    let current: StageAt = { stage: row.stage, since: row.since };
    const steps = timeTransitions(rules, factsOf(row), current, now);
    if (steps.length === 0) continue;
    for (const step of steps) {
      recordChange(sqlite, row.customer_id, current.stage, step, now);
      current = step;
    }
    update.run(current.stage, current.since, now, row.customer_id);
    changed += 1;
  }
  return { scanned: rows.length, changed };
}

/**
 * Recomputes every customer's lifecycle row from facts in one pass over the sales (the rebuild path).
 * Stage history is left as recorded; the current stage and its `since` are pure functions of the facts.
 */
export function recomputeAllLifecycle(sqlite: Database, rules: LifecycleRules, now: number): number {
  const joined = new Map(
    sqlite
      .query<{ id: string; joined_at: number }, []>('SELECT id, coalesce(registered_at, created_at) AS joined_at FROM customers WHERE merged_into IS NULL')
      .all()
      .map((r) => [r.id, r.joined_at]),
  );
  const sales = sqlite.query<{ customer_id: string; occurred_at: number; total: number; refunded: number | null }, []>(
    `SELECT s.customer_id, s.occurred_at, s.total, r.refunded FROM transactions s
     LEFT JOIN (SELECT original_tx_id, -sum(total) AS refunded FROM transactions WHERE kind = 'return' AND original_tx_id IS NOT NULL GROUP BY original_tx_id) r
       ON r.original_tx_id = s.id
     WHERE s.kind = 'sale' AND s.customer_id IS NOT NULL ORDER BY s.customer_id, s.occurred_at`,
  );
  sqlite.run('DELETE FROM customer_lifecycle');
  const flush = (customerId: string, purchases: number[]) => {
    const joinedAt = joined.get(customerId);
    if (joinedAt === undefined) return;
    joined.delete(customerId);
    const facts = lifecycleFacts(rules, joinedAt, purchases);
    writeRow(sqlite, customerId, stageAt(rules, facts, now), facts, now);
  };
  let current: string | null = null;
  let purchases: number[] = [];
  for (const s of sales.iterate()) {
    if (s.customer_id !== current) {
      if (current !== null) flush(current, purchases);
      current = s.customer_id;
      purchases = [];
    }
    if (!(rules.refundsUndoPurchase && s.total > 0 && (s.refunded ?? 0) >= s.total)) purchases.push(s.occurred_at);
  }
  if (current !== null) flush(current, purchases);
  for (const id of [...joined.keys()]) flush(id, []);
  return sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM customer_lifecycle').get()?.n ?? 0;
}
