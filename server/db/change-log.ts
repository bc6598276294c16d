import type { Database } from 'bun:sqlite';
import { type ChangeKind, type EventFact, type LedgerFact, type LineFact, replayFact, RESTORE_GAP_KIND, type RestoredGap, type TransactionFact } from './fact-writer.ts';

/** One numbered fact of the change log, with the fact as stored (what sync ships). */
export type Change =
  | { seq: number; kind: 'transaction'; fact: TransactionFact & { lines: LineFact[] } }
  | { seq: number; kind: 'ledger'; fact: LedgerFact & { id: number } }
  | { seq: number; kind: 'event'; fact: EventFact };

const TX_FACT_COLUMNS =
  'id, store_id, terminal_id, receipt_no, kind, occurred_at, utc_offset_min, recorded_customer_id, total, line_count, points_earned, ' +
  'points_reversed, points_redeemed, points_balance, original_tx_id, original_terminal_id, original_receipt_no, tenders, change_amount, ' +
  'coupons, tax, tax_included, content_hash, source, received_at';

export function lastSeq(sqlite: Database): number {
  return sqlite.query<{ seq: number | null }, []>('SELECT max(seq) AS seq FROM change_log').get()?.seq ?? 0;
}

/** The last move of the log past central's cursor after a restore (fact-writer's moveLogPast), if any. */
export function lastRestoredGap(sqlite: Database): RestoredGap | null {
  const row = sqlite.query<{ ref: string }, [string]>('SELECT ref FROM change_log WHERE kind = ? ORDER BY seq DESC LIMIT 1').get(RESTORE_GAP_KIND);
  return row ? (JSON.parse(row.ref) as RestoredGap) : null;
}

/**
 * The facts numbered after `afterSeq`, at most `limit` of them, in order. Read a kind at a time over the range
 * (one statement each for transactions, their lines, ledger entries and events, joined through change_log),
 * not a statement per fact: a store's initial sync reads millions of them (bench:sync).
 */
export function readChanges(sqlite: Database, afterSeq: number, limit: number): Change[] {
  const rows = sqlite
    .query<{ seq: number; kind: ChangeKind; ref: string }, [number, string, number]>('SELECT seq, kind, ref FROM change_log WHERE seq > ? AND kind != ? ORDER BY seq LIMIT ?')
    .all(afterSeq, RESTORE_GAP_KIND, limit);
  if (rows.length === 0) return [];
  const range: [number, number, ChangeKind] = [afterSeq, rows.at(-1)!.seq, 'transaction'];
  const inRange = 'FROM change_log c JOIN';
  const where = 'WHERE c.seq > ? AND c.seq <= ? AND c.kind = ?';
  const txs = new Map(
    sqlite
      .query<TransactionFact, [number, number, ChangeKind]>(`SELECT ${TX_FACT_COLUMNS.split(', ').map((c) => `t.${c}`).join(', ')} ${inRange} transactions t ON t.id = c.ref ${where}`)
      .all(...range)
      .map((t) => [t.id, { ...t, lines: [] as LineFact[] }]),
  );
  const lines = sqlite
    .query<LineFact & { tx_id: string }, [number, number, ChangeKind]>(
      `SELECT l.tx_id, l.line_no, l.sku, l.name, l.category, l.quantity_milli, l.unit_price, l.discount, l.amount, l.void
       FROM transaction_lines l WHERE l.tx_id IN (SELECT c.ref FROM change_log c ${where}) ORDER BY l.tx_id, l.line_no`,
    )
    .all(...range);
  for (const { tx_id, ...line } of lines) txs.get(tx_id)?.lines.push(line);
  const ledger = new Map(
    sqlite
      .query<LedgerFact & { id: number }, [number, number, ChangeKind]>(
        `SELECT e.id, e.recorded_customer_id, e.kind, e.points, e.tx_id, e.lot_id, e.effective_at, e.available_at, e.expires_at, e.created_at
         ${inRange} loyalty_ledger e ON e.id = CAST(c.ref AS INTEGER) ${where}`,
      )
      .all(range[0], range[1], 'ledger')
      .map((e) => [String(e.id), e]),
  );
  const events = new Map(
    sqlite
      .query<EventFact, [number, number, ChangeKind]>(`SELECT e.id, e.recorded_customer_id, e.kind, e.at, e.data ${inRange} customer_events e ON e.id = c.ref ${where}`)
      .all(range[0], range[1], 'event')
      .map((e) => [e.id, e]),
  );
  return rows.map((r): Change => {
    if (r.kind === 'transaction') {
      const tx = txs.get(r.ref);
      if (!tx) throw new Error(`change ${r.seq}: transaction ${r.ref} is missing`);
      return { seq: r.seq, kind: 'transaction', fact: tx };
    }
    if (r.kind === 'ledger') {
      const e = ledger.get(r.ref);
      if (!e) throw new Error(`change ${r.seq}: ledger entry ${r.ref} is missing`);
      return { seq: r.seq, kind: 'ledger', fact: e };
    }
    const e = events.get(r.ref);
    if (!e) throw new Error(`change ${r.seq}: event ${r.ref} is missing`);
    return { seq: r.seq, kind: 'event', fact: e };
  });
}

/**
 * Appends another log's facts to this database, in their order (inside the caller's transaction). The
 * derived view is not maintained here: the caller rebuilds it (`cli rebuild`) or applies its own rules.
 */
export function replayChanges(sqlite: Database, changes: readonly Change[]): void {
  for (const c of changes) {
    if (c.kind === 'transaction') {
      const { lines, ...tx } = c.fact;
      replayFact.transaction(sqlite, tx, lines);
    } else if (c.kind === 'ledger') replayFact.ledger(sqlite, c.fact);
    else replayFact.event(sqlite, c.fact);
  }
}
