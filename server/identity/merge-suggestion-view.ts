import type { Database } from 'bun:sqlite';

/**
 * The `merge_suggestions` view's side of the two suggestion events (see customer-view.ts), applied on write and
 * again, in change-log order, by `cli rebuild`.
 */
export function applySuggestionEvent(sqlite: Database, customerId: string, kind: string, at: number, data: Record<string, unknown>): void {
  const id = String(data.suggestion_id);
  if (kind === 'merge_suggested') {
    sqlite
      .query(
        `INSERT INTO merge_suggestions (id, customer_id, other_customer_id, status, kinds, tx_id, created_at)
         VALUES (?, ?, ?, 'open', ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
      )
      .run(id, customerId, String(data.other_id), JSON.stringify(Array.isArray(data.kinds) ? data.kinds : []), typeof data.tx_id === 'string' ? data.tx_id : null, at);
    return;
  }
  const decision = data.decision === 'approved' ? 'approved' : 'rejected';
  sqlite
    .query("UPDATE merge_suggestions SET status = ?, decided_at = ?, decided_by = ? WHERE id = ? AND status = 'open'")
    .run(decision, at, data.by === undefined ? null : JSON.stringify(data.by), id);
}
