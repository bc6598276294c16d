import type { Database } from 'bun:sqlite';
import { newId } from '../kernel/ids.ts';

/*
 * The one writer of facts: transactions with their lines, loyalty ledger entries and customer events. Each
 * is appended inside the caller's SQLite transaction together with its row in change_log, so a fact and its
 * sequence number commit or roll back as one. Facts are never updated or deleted; the two rewrites below
 * touch only what is derived (the owner column) or personal (an erasure's tombstones).
 */

export type ChangeKind = 'transaction' | 'ledger' | 'event';
/**
 * A row of change_log that numbers no fact: it marks where a restored store's log was moved past central's
 * cursor (moveLogPast). Never shipped; its `ref` holds the move as JSON (RestoredGap).
 */
export const RESTORE_GAP_KIND = 'restore_gap';

/** A move of the log past central's cursor after a restore (epoch ms). */
export interface RestoredGap {
  /** Central's cursor for this store when the store learnt of it: the numbers up to it are central's. */
  central_cursor: number;
  /** The store's last number that central's cursor covers (the backup's last, or the log's last without a restore record). */
  store_last_seq: number;
  /** Facts written after the restore, renumbered to follow central's cursor. */
  moved: number;
  at: number;
}

/** A transaction row as stored (minor units, thousandths, epoch ms; signed: returns are negative). */
export interface TransactionFact {
  id: string;
  store_id: string;
  terminal_id: string;
  receipt_no: string;
  kind: 'sale' | 'return';
  occurred_at: number;
  utc_offset_min: number;
  recorded_customer_id: string | null;
  total: number;
  line_count: number;
  points_earned: number;
  points_reversed: number;
  points_redeemed: number;
  points_balance: number | null;
  original_tx_id: string | null;
  original_terminal_id: string | null;
  original_receipt_no: string | null;
  /** JSON [{type, amount}] in minor units. */
  tenders: string;
  change_amount: number;
  /** JSON array of coupon codes. */
  coupons: string;
  /** Minor units, a magnitude; null: unknown (the source did not say). */
  tax: number | null;
  /** 1: `total` includes the tax (VAT); 0: it was charged on top; null with an unknown tax. */
  tax_included: 0 | 1 | null;
  content_hash: string;
  source: string;
  received_at: number;
}

export interface LineFact {
  line_no: number;
  sku: string | null;
  name: string | null;
  category: string | null;
  quantity_milli: number;
  unit_price: number | null;
  discount: number;
  amount: number | null;
  /** 0 or 1. */
  void: number;
}

export interface LedgerFact {
  recorded_customer_id: string;
  kind: 'earn' | 'redeem' | 'expire' | 'reverse' | 'adjust';
  points: number;
  tx_id: string | null;
  lot_id: number | null;
  effective_at: number;
  available_at: number | null;
  expires_at: number | null;
  created_at: number;
}

export interface EventFact {
  id: string;
  recorded_customer_id: string;
  kind: string;
  at: number;
  /** JSON object. */
  data: string;
}

const TX_COLUMNS =
  'id, store_id, terminal_id, receipt_no, kind, occurred_at, utc_offset_min, customer_id, recorded_customer_id, total, line_count, ' +
  'points_earned, points_reversed, points_redeemed, points_balance, original_tx_id, original_terminal_id, original_receipt_no, tenders, ' +
  'change_amount, coupons, tax, tax_included, content_hash, source, received_at';
const LINE_COLUMNS = 'line_no, sku, name, category, quantity_milli, unit_price, discount, amount, void';

function logChange(sqlite: Database, kind: ChangeKind, ref: string): void {
  sqlite.query('INSERT INTO change_log (kind, ref) VALUES (?, ?)').run(kind, ref);
}

/** Lines per INSERT statement: one statement for any ordinary receipt, 320 bound parameters at most. */
const LINES_PER_INSERT = 32;
const lineInsertSql: string[] = [];
const lineInsertSqlFor = (n: number): string =>
  (lineInsertSql[n] ??=
    `INSERT INTO transaction_lines (tx_id, ${LINE_COLUMNS}) VALUES ` + Array.from({ length: n }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', '));

/**
 * A transaction and its lines. `owner` is who it belongs to now (the ingest knows: it just resolved the
 * customer); the lines go in multi-row INSERTs because a statement's execution costs several times what
 * one more row does, and a receipt has 3–8 lines.
 */
export function appendTransaction(sqlite: Database, tx: TransactionFact, lines: readonly LineFact[], owner = tx.recorded_customer_id): void {
  sqlite
    .query(`INSERT INTO transactions (${TX_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
    .run(
      tx.id, tx.store_id, tx.terminal_id, tx.receipt_no, tx.kind, tx.occurred_at, tx.utc_offset_min, owner, tx.recorded_customer_id, tx.total,
      tx.line_count, tx.points_earned, tx.points_reversed, tx.points_redeemed, tx.points_balance, tx.original_tx_id, tx.original_terminal_id,
      tx.original_receipt_no, tx.tenders, tx.change_amount, tx.coupons, tx.tax, tx.tax_included, tx.content_hash, tx.source, tx.received_at,
    );
  for (let start = 0; start < lines.length; start += LINES_PER_INSERT) {
    const end = Math.min(lines.length, start + LINES_PER_INSERT);
    const params: Array<string | number | null> = [];
    for (let i = start; i < end; i++) {
      const l = lines[i]!;
      params.push(tx.id, l.line_no, l.sku, l.name, l.category, l.quantity_milli, l.unit_price, l.discount, l.amount, l.void);
    }
    sqlite.query(lineInsertSqlFor(end - start)).run(...params);
  }
  logChange(sqlite, 'transaction', tx.id);
}

/** A ledger entry; returns its id (lots are referred to by it). `id` only when a logged entry is replayed. */
export function appendLedgerEntry(sqlite: Database, e: LedgerFact, owner = e.recorded_customer_id, id: number | null = null): number {
  const res = sqlite
    .query(
      `INSERT INTO loyalty_ledger (id, customer_id, recorded_customer_id, kind, points, tx_id, lot_id, effective_at, available_at, expires_at, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    )
    .run(id, owner, e.recorded_customer_id, e.kind, e.points, e.tx_id, e.lot_id, e.effective_at, e.available_at, e.expires_at, e.created_at);
  const entryId = Number(res.lastInsertRowid);
  logChange(sqlite, 'ledger', String(entryId));
  return entryId;
}

/** A customer event (registration, profile change, identifier link, merge, erasure, action outcome…). */
export function appendCustomerEvent(sqlite: Database, customerId: string, kind: string, at: number, data: Record<string, unknown>): string {
  const id = newId(at);
  insertEvent(sqlite, { id, recorded_customer_id: customerId, kind, at, data: JSON.stringify(data) }, customerId);
  return id;
}

function insertEvent(sqlite: Database, e: EventFact, owner: string): void {
  sqlite
    .query('INSERT INTO customer_events (id, customer_id, recorded_customer_id, kind, at, data) VALUES (?, ?, ?, ?, ?, ?)')
    .run(e.id, owner, e.recorded_customer_id, e.kind, e.at, e.data);
  logChange(sqlite, 'event', e.id);
}

/**
 * Replays facts read from another log (sync, tests): each is appended as it was, owned by who it was
 * recorded for until the merges among them are applied (`recomputeOwners`, which rebuild runs).
 */
export const replayFact = {
  transaction(sqlite: Database, tx: TransactionFact, lines: readonly LineFact[]): void {
    appendTransaction(sqlite, tx, lines);
  },
  ledger(sqlite: Database, e: LedgerFact & { id: number }): void {
    const { id, ...fact } = e;
    appendLedgerEntry(sqlite, fact, fact.recorded_customer_id, id);
  },
  event(sqlite: Database, e: EventFact): void {
    insertEvent(sqlite, e, e.recorded_customer_id);
  },
};

const OWNED_FACT_TABLES = ['transactions', 'loyalty_ledger', 'customer_events'] as const;

/** A merge: every fact owned by `from` now belongs to `to`. Only the derived owner column changes. */
export function reassignOwner(sqlite: Database, from: string, to: string): void {
  for (const table of OWNED_FACT_TABLES) sqlite.query(`UPDATE ${table} SET customer_id = ? WHERE customer_id = ?`).run(to, from);
}

/**
 * An unmerge: the facts owned by `from` that were recorded for one of `recordedFor` belong to `to` again. Only the
 * derived owner column changes.
 */
export function returnOwner(sqlite: Database, recordedFor: readonly string[], from: string, to: string): void {
  const ids = JSON.stringify(recordedFor);
  for (const table of OWNED_FACT_TABLES) {
    sqlite.query(`UPDATE ${table} SET customer_id = ?1 WHERE customer_id = ?2 AND recorded_customer_id IN (SELECT value FROM json_each(?3))`).run(to, from, ids);
  }
}

/**
 * `cli rebuild`: every fact's owner recomputed from who it was recorded for. `aliases` maps each merged
 * customer to the final survivor (identity's view of merges); anyone else owns what was recorded for them.
 */
export function recomputeOwners(sqlite: Database, aliases: Readonly<Record<string, string>>): void {
  const map = JSON.stringify(aliases);
  for (const table of OWNED_FACT_TABLES) {
    sqlite
      .query(
        `WITH merged(alias, owner) AS MATERIALIZED (SELECT key, value FROM json_each(?1))
         UPDATE ${table} SET customer_id = merged.owner FROM merged
         WHERE merged.alias = ${table}.recorded_customer_id AND ${table}.customer_id IS NOT merged.owner`,
      )
      .run(map);
    sqlite
      .query(
        `UPDATE ${table} SET customer_id = recorded_customer_id
         WHERE customer_id IS NOT recorded_customer_id AND recorded_customer_id NOT IN (SELECT key FROM json_each(?1))`,
      )
      .run(map);
  }
}

/**
 * Erasure: the personal values in the events of this customer (and of the aliases merged into them, whose
 * events they own) are replaced by tombstones: `rewrite` gets each event's data and returns it without
 * them. The event itself stays: the store's history keeps that something happened, not to whom.
 */
export function tombstoneEvents(
  sqlite: Database,
  ownerId: string,
  rewrite: (kind: string, data: Record<string, unknown>) => Record<string, unknown>,
): number {
  let changed = 0;
  const update = sqlite.query('UPDATE customer_events SET data = ? WHERE id = ?');
  const rows = sqlite.query<{ id: string; kind: string; data: string }, [string]>('SELECT id, kind, data FROM customer_events WHERE customer_id = ?').all(ownerId);
  for (const row of rows) {
    const next = JSON.stringify(rewrite(row.kind, JSON.parse(row.data) as Record<string, unknown>));
    if (next !== row.data) changed += update.run(next, row.id).changes;
  }
  return changed;
}

/**
 * After a restore: central holds this store's numbers up to `centralCursor`, but the numbers after `storeSeq`
 * there are facts the restore threw away (`storeSeq` null: the log's last number, read in the transaction). In
 * one transaction the facts numbered after `storeSeq` here (written since the restore) are renumbered to follow
 * `centralCursor`, in their order, and a RESTORE_GAP_KIND row takes the number `centralCursor` itself, so new
 * facts continue after it. Nothing when central is not ahead, or when this restore was moved already (a
 * restore_gap row after `storeSeq` can only have been written since: the backup's log ends at `storeSeq`).
 * `sqlite` must be a writable connection; the immediate transaction waits for the server's writer.
 */
export function moveLogPast(sqlite: Database, storeSeq: number | null, centralCursor: number, at: number): RestoredGap | null {
  return sqlite.transaction((): RestoredGap | null => {
    const from = storeSeq ?? sqlite.query<{ seq: number | null }, []>('SELECT max(seq) AS seq FROM change_log').get()?.seq ?? 0;
    const shift = centralCursor - from;
    if (shift <= 0) return null;
    const movedAlready = sqlite.query<{ n: number }, [number, string]>('SELECT count(*) AS n FROM change_log WHERE seq > ? AND kind = ?').get(from, RESTORE_GAP_KIND)!.n;
    if (movedAlready > 0) return null;
    const moved = sqlite.query<{ n: number }, [number]>('SELECT count(*) AS n FROM change_log WHERE seq > ?').get(from)!.n;
    // Through negative numbers: seq is the primary key, and a row moved up must not meet one not moved yet.
    sqlite.query('UPDATE change_log SET seq = -(seq + ?) WHERE seq > ?').run(shift, from);
    sqlite.query('UPDATE change_log SET seq = -seq WHERE seq < 0').run();
    const gap: RestoredGap = { central_cursor: centralCursor, store_last_seq: from, moved, at };
    sqlite.query('INSERT INTO change_log (seq, kind, ref) VALUES (?, ?, ?)').run(centralCursor, RESTORE_GAP_KIND, JSON.stringify(gap));
    return gap;
  }).immediate();
}
