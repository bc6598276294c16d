import type { Database } from 'bun:sqlite';
import { type ChangeKind, type EventFact, type LedgerFact, type LineFact, replayFact, type TransactionFact } from './fact-writer.ts';

/** One numbered fact of the change log, with the fact as stored (what sync ships). */
export type Change =
  | { seq: number; kind: 'transaction'; fact: TransactionFact & { lines: LineFact[] } }
  | { seq: number; kind: 'ledger'; fact: LedgerFact & { id: number } }
  | { seq: number; kind: 'event'; fact: EventFact };

const TX_FACT_COLUMNS =
  'id, store_id, terminal_id, receipt_no, kind, occurred_at, utc_offset_min, recorded_customer_id, total, line_count, points_earned, ' +
  'points_reversed, points_redeemed, points_balance, original_tx_id, original_terminal_id, original_receipt_no, tenders, change_amount, ' +
  'coupons, content_hash, source, received_at';

export function lastSeq(sqlite: Database): number {
  return sqlite.query<{ seq: number | null }, []>('SELECT max(seq) AS seq FROM change_log').get()?.seq ?? 0;
}

/** The facts numbered after `afterSeq`, at most `limit` of them, in order. */
export function readChanges(sqlite: Database, afterSeq: number, limit: number): Change[] {
  const rows = sqlite
    .query<{ seq: number; kind: ChangeKind; ref: string }, [number, number]>('SELECT seq, kind, ref FROM change_log WHERE seq > ? ORDER BY seq LIMIT ?')
    .all(afterSeq, limit);
  return rows.map((r): Change => {
    if (r.kind === 'transaction') {
      const tx = sqlite.query<TransactionFact, [string]>(`SELECT ${TX_FACT_COLUMNS} FROM transactions WHERE id = ?`).get(r.ref);
      const lines = sqlite
        .query<LineFact, [string]>('SELECT line_no, sku, name, category, quantity_milli, unit_price, discount, amount, void FROM transaction_lines WHERE tx_id = ? ORDER BY line_no')
        .all(r.ref);
      if (!tx) throw new Error(`change ${r.seq}: transaction ${r.ref} is missing`);
      return { seq: r.seq, kind: 'transaction', fact: { ...tx, lines } };
    }
    if (r.kind === 'ledger') {
      const e = sqlite
        .query<LedgerFact & { id: number }, [number]>(
          'SELECT id, recorded_customer_id, kind, points, tx_id, lot_id, effective_at, available_at, expires_at, created_at FROM loyalty_ledger WHERE id = ?',
        )
        .get(Number(r.ref));
      if (!e) throw new Error(`change ${r.seq}: ledger entry ${r.ref} is missing`);
      return { seq: r.seq, kind: 'ledger', fact: e };
    }
    const e = sqlite.query<EventFact, [string]>('SELECT id, recorded_customer_id, kind, at, data FROM customer_events WHERE id = ?').get(r.ref);
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
