import type { Database } from 'bun:sqlite';
import { isMergedField } from './profile-columns.ts';

/**
 * The customer view's side of an `unmerged` event recorded on `id` (see customer-view.ts): `id` is live again,
 * the aliases merged into it before (`customer_ids` after it) are its aliases again, the identifiers linked for
 * any of them come back from the survivor `from_id`, and the survivor drops the fields it had taken from `id`.
 */
export function applyUnmerge(sqlite: Database, id: string, data: Record<string, unknown>, at: number): void {
  const survivor = String(data.from_id);
  const ids = Array.isArray(data.customer_ids) ? data.customer_ids.filter((x): x is string => typeof x === 'string') : [id];
  const idsJson = JSON.stringify(ids.includes(id) ? ids : [id, ...ids]);
  sqlite.query('UPDATE customers SET merged_into = NULL, absorbed_into = NULL, updated_at = ? WHERE id = ?').run(at, id);
  sqlite.query('UPDATE customers SET merged_into = ?1, updated_at = ?2 WHERE id IN (SELECT value FROM json_each(?3)) AND id <> ?1').run(id, at, idsJson);
  sqlite.query('UPDATE identity_links SET customer_id = ?1 WHERE customer_id = ?2 AND linked_for IN (SELECT value FROM json_each(?3))').run(id, survivor, idsJson);
  const returned = Array.isArray(data.fields_returned) ? data.fields_returned.filter(isMergedField) : [];
  for (const f of returned) {
    sqlite.query(`UPDATE customers SET ${f} = NULL, field_hlcs = json_remove(field_hlcs, ?) WHERE id = ?`).run(`$.${f}`, survivor);
  }
  sqlite.query('UPDATE customers SET updated_at = ? WHERE id = ?').run(at, survivor);
}
