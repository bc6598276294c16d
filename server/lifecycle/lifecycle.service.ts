import type { Database } from 'bun:sqlite';
import type { Stage } from '../contract/enums.ts';
import { DAY_MS } from '../kernel/clock.ts';
import {
  type ChainPurchases,
  type LifecycleFacts,
  type LifecycleRules,
  lifecycleFacts,
  type PurchaseSummary,
  RECENT_PURCHASES,
  type StageAt,
  stageAt,
  summarizePurchases,
  timeTransitions,
  withChainPurchases,
} from './lifecycle-rules.ts';
import { DEFAULT_PAGING, drain, type Steps } from '../db/sweep-steps.ts';

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

/** Histories up to this many transactions are read whole; longer ones through counts and their two ends. */
const SHORT_HISTORY = 200;

/**
 * The customer's counted purchases, summarized (see PurchaseSummary): with the refund rule, a sale fully
 * returned does not count. A linked return carries its sale's customer (it takes it when it names none), so
 * the customer's own returns are the ones that can undo their sales. A short history is read whole from the
 * covering index transactions_customer_time (customer_id, occurred_at, kind, total, id); a long one through a
 * count and its two ends (the count still walks that index, in SQLite; a sale newer than every other skips
 * even that, see appendedSale).
 */
function countedPurchases(sqlite: Database, rules: LifecycleRules, customerId: string): PurchaseSummary {
  // Most histories are short: read them whole from the covering index, as one list.
  const times = sqlite
    .query<unknown, [string, number]>("SELECT occurred_at, kind = 'sale' FROM transactions WHERE customer_id = ? ORDER BY occurred_at LIMIT ?")
    .values(customerId, SHORT_HISTORY + 1) as Array<[number, number]>;
  if (times.length <= SHORT_HISTORY) {
    const purchases: number[] = [];
    for (const [at, isSale] of times) {
      if (isSale === 1) purchases.push(at);
      else if (rules.refundsUndoPurchase) return summarizePurchases(countedPurchasesWithRefunds(sqlite, customerId));
    }
    return summarizePurchases(purchases);
  }
  const refunded = rules.refundsUndoPurchase ? fullyRefundedSales(sqlite, customerId) : new Set<string>();
  const sales = sqlite.query<{ n: number }, [string]>("SELECT count(*) AS n FROM transactions WHERE customer_id = ? AND kind = 'sale'").get(customerId)!.n;
  const firstTwo = sqlite
    .query<{ id: string; occurred_at: number }, [string, number]>(
      "SELECT id, occurred_at FROM transactions WHERE customer_id = ? AND kind = 'sale' ORDER BY occurred_at LIMIT ?",
    )
    .all(customerId, 2 + refunded.size)
    .filter((r) => !refunded.has(r.id));
  return { count: sales - refunded.size, first: firstTwo[0]?.occurred_at ?? null, second: firstTwo[1]?.occurred_at ?? null, recent: recentPurchases(sqlite, rules, customerId) };
}

/** A short history's counted sale times, ascending, when the refund rule applies and the customer has returns. */
function countedPurchasesWithRefunds(sqlite: Database, customerId: string): number[] {
  const refunded = fullyRefundedSales(sqlite, customerId);
  return sqlite
    .query<{ id: string; occurred_at: number }, [string]>("SELECT id, occurred_at FROM transactions WHERE customer_id = ? AND kind = 'sale' ORDER BY occurred_at")
    .all(customerId)
    .filter((r) => !refunded.has(r.id))
    .map((r) => r.occurred_at);
}

/**
 * After a sale newer than all the customer's others: one more purchase than the row held, the same first
 * (and second, unless this is it). A new sale cannot have been returned yet, so under the refund rule too it
 * counts. Only the recent window is read.
 */
function appendedSale(sqlite: Database, rules: LifecycleRules, customerId: string, prev: LifecycleRow, saleAt: number): PurchaseSummary {
  return {
    count: prev.purchase_count + 1,
    first: prev.first_purchase_at,
    second: prev.second_purchase_at ?? saleAt,
    recent: recentPurchases(sqlite, rules, customerId),
  };
}

/** A return is dated after its sale; a day of leeway for terminals whose clocks disagree. */
const RETURN_CLOCK_LEEWAY_MS = DAY_MS;

/**
 * The last RECENT_PURCHASES counted purchase times, ascending; reads only as far back as it needs. Usually
 * from the covering index alone: under the refund rule, only a return dated within the window can have
 * undone one of its sales, and only then are the sales' ids read and checked.
 */
function recentPurchases(sqlite: Database, rules: LifecycleRules, customerId: string): number[] {
  const times = sqlite
    .query<{ occurred_at: number }, [string, number]>(
      "SELECT occurred_at FROM transactions WHERE customer_id = ? AND kind = 'sale' ORDER BY occurred_at DESC LIMIT ?",
    )
    .all(customerId, RECENT_PURCHASES)
    .map((r) => r.occurred_at);
  const oldest = times[times.length - 1];
  const returnsInWindow =
    rules.refundsUndoPurchase &&
    oldest !== undefined &&
    sqlite
      .query<{ n: number }, [string, number]>("SELECT count(*) AS n FROM (SELECT 1 FROM transactions WHERE customer_id = ? AND occurred_at >= ? AND kind = 'return' LIMIT 1)")
      .get(customerId, oldest - RETURN_CLOCK_LEEWAY_MS)!.n > 0;
  if (!returnsInWindow) return times.reverse();
  const page = sqlite.query<{ id: string; occurred_at: number; total: number }, [string, number]>(
    "SELECT id, occurred_at, total FROM transactions WHERE customer_id = ? AND kind = 'sale' ORDER BY occurred_at DESC LIMIT ?",
  );
  for (let limit = RECENT_PURCHASES; ; limit *= 2) {
    const rows = page.all(customerId, limit);
    const refunded = refundedAmong(sqlite, customerId, rows);
    const kept = rows.filter((r) => !refunded.has(r.id));
    if (kept.length >= RECENT_PURCHASES || rows.length < limit) return kept.slice(0, RECENT_PURCHASES).map((r) => r.occurred_at).reverse();
  }
}

/**
 * Which of these sales (total > 0) the customer's own linked returns refund in full: one probe each of the
 * index transactions_original (the unary + keeps the planner off the customer's index, a scan of their whole history).
 */
function refundedAmong(sqlite: Database, customerId: string, sales: ReadonlyArray<{ id: string; total: number }>): Set<string> {
  const returned = sqlite
    .query<{ id: string; refunded: number }, [string, string]>(
      `SELECT original_tx_id AS id, -sum(total) AS refunded FROM transactions
       WHERE original_tx_id IS NOT NULL AND original_tx_id IN (SELECT value FROM json_each(?)) AND +customer_id = ? AND +kind = 'return'
       GROUP BY original_tx_id`,
    )
    .all(JSON.stringify(sales.map((s) => s.id)), customerId);
  const refunded = new Map(returned.map((r) => [r.id, r.refunded]));
  return new Set(sales.filter((s) => s.total > 0 && (refunded.get(s.id) ?? 0) >= s.total).map((s) => s.id));
}

/** Ids of the customer's sales (total > 0) that the customer's own linked returns refund in full. */
function fullyRefundedSales(sqlite: Database, customerId: string): Set<string> {
  const rows = sqlite
    .query<{ id: string }, [string]>(
      `SELECT s.id FROM (
         SELECT original_tx_id AS id, -sum(total) AS refunded FROM transactions
         WHERE customer_id = ?1 AND kind = 'return' AND original_tx_id IS NOT NULL GROUP BY original_tx_id) r
       JOIN transactions s ON s.id = r.id
       WHERE s.customer_id = ?1 AND s.kind = 'sale' AND s.total > 0 AND r.refunded >= s.total`,
    )
    .all(customerId);
  return new Set(rows.map((r) => r.id));
}

/**
 * The chain-wide purchases central last sent for a customer (server/stats/chain-stats.ts keeps them), null for a
 * customer known at this store only. Read here, not through stats: lifecycle sits below it.
 */
function chainPurchasesOf(sqlite: Database, customerId: string): ChainPurchases | null {
  const row = sqlite
    .query<{ visits: number; last_purchase_at: number | null }, [string]>('SELECT visits, last_purchase_at FROM chain_customers WHERE customer_id = ?')
    .get(customerId);
  return row ? { visits: row.visits, lastPurchaseAt: row.last_purchase_at } : null;
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
export function evaluateCustomerLifecycle(
  sqlite: Database,
  rules: LifecycleRules,
  customerId: string,
  now: number,
  factAt = now,
  /** The fact is a sale (stored just now) of this customer at factAt. */
  fact: 'sale' | 'other' = 'other',
): StageAt {
  const customer = sqlite
    .query<{ joined_at: number }, [string]>('SELECT coalesce(registered_at, created_at) AS joined_at FROM customers WHERE id = ?')
    .get(customerId);
  if (!customer) throw new Error(`evaluateCustomerLifecycle: no customer ${customerId}`);
  const prev = sqlite.query<LifecycleRow, [string]>('SELECT * FROM customer_lifecycle WHERE customer_id = ?').get(customerId);
  const chain = chainPurchasesOf(sqlite, customerId);
  // A long history's newest sale is derived from the row; any other fact, or a short history, is read again (and
  // so is a customer known elsewhere in the chain, whose row holds chain-wide counts).
  const newest =
    fact === 'sale' && chain === null && prev !== null && prev.last_purchase_at !== null && factAt >= prev.last_purchase_at && prev.purchase_count >= SHORT_HISTORY;
  const purchases = newest ? appendedSale(sqlite, rules, customerId, prev, factAt) : countedPurchases(sqlite, rules, customerId);
  const facts = withChainPurchases(rules, lifecycleFacts(rules, customer.joined_at, purchases), chain);
  const next = stageAt(rules, facts, now);
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
 * customer_lifecycle (no transaction scan), a page of customers per step, and writes the changes.
 */
export function* sweepLifecycleSteps(sqlite: Database, rules: LifecycleRules, now: number, pageSize = DEFAULT_PAGING.customers): Steps<{ scanned: number; changed: number }> {
  const page = sqlite.query<LifecycleRow, [string, number]>(
    "SELECT * FROM customer_lifecycle WHERE customer_id > ? AND stage <> 'dormant' ORDER BY customer_id LIMIT ?",
  );
  const update = sqlite.query('UPDATE customer_lifecycle SET stage = ?, since = ?, evaluated_at = ? WHERE customer_id = ?');
  let scanned = 0;
  let changed = 0;
  for (let after = ''; ; yield) {
    const rows = page.all(after, pageSize);
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
    scanned += rows.length;
    if (rows.length < pageSize) return { scanned, changed };
    after = rows[rows.length - 1]!.customer_id;
  }
}

/** The lifecycle sweep in one go (tests). */
export function sweepLifecycle(sqlite: Database, rules: LifecycleRules, now: number): { scanned: number; changed: number } {
  return drain(sweepLifecycleSteps(sqlite, rules, now));
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
    const facts = withChainPurchases(rules, lifecycleFacts(rules, joinedAt, summarizePurchases(purchases)), chainPurchasesOf(sqlite, customerId));
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
