import type { Database } from 'bun:sqlite';
import type { Actor } from '../kernel/actor.ts';
import { AppError } from '../kernel/errors.ts';
import { recordCustomerEvent } from './customer-view.ts';
import { isMergedField, type MergedField } from './profile-columns.ts';

/**
 * The identity side of an unmerge (a fact: `unmerged`, on the customer that comes back; see unmerge-view.ts).
 * `aliasId` must be merged into a live customer. It comes back with the aliases merged into it before it was
 * merged itself, and with the identifiers linked for any of them; the survivor gives back the profile fields
 * it had taken from it, where they still hold the taken value. Returns the survivor and the ids that came back.
 */
export function unmergeIdentity(sqlite: Database, aliasId: string, now: number, by: Actor | null): { survivorId: string; customerIds: string[] } {
  const row = sqlite
    .query<{ merged_into: string | null; absorbed_into: string | null }, [string]>('SELECT merged_into, absorbed_into FROM customers WHERE id = ?')
    .get(aliasId);
  if (!row) throw new AppError(404, 'not_found', 'no such customer');
  const survivorId = row.merged_into;
  if (survivorId === null) throw new AppError(409, 'conflict', 'this customer is not merged into another');
  const survivor = sqlite.query<{ erased_at: number | null }, [string]>('SELECT erased_at FROM customers WHERE id = ?').get(survivorId);
  if (survivor?.erased_at != null) throw new AppError(410, 'gone', 'the customer it was merged into was erased');

  const subAliases = sqlite
    .query<{ id: string }, [string]>(
      `WITH RECURSIVE sub(id) AS (SELECT id FROM customers WHERE absorbed_into = ?1 UNION SELECT c.id FROM customers c JOIN sub ON c.absorbed_into = sub.id)
       SELECT id FROM sub ORDER BY id`,
    )
    .all(aliasId)
    .map((r) => r.id);
  const customerIds = [aliasId, ...subAliases];
  recordCustomerEvent(sqlite, aliasId, 'unmerged', now, {
    from_id: survivorId,
    customer_ids: customerIds,
    fields_returned: fieldsToReturn(sqlite, aliasId, row.absorbed_into ?? survivorId, survivorId),
    by,
  });
  return { survivorId, customerIds };
}

/** The fields the merge of `aliasId` into `directId` took that the survivor still holds with the alias's value. */
function fieldsToReturn(sqlite: Database, aliasId: string, directId: string, survivorId: string): MergedField[] {
  const merge = sqlite
    .query<{ data: string }, [string, string]>(
      "SELECT data FROM customer_events WHERE kind = 'merged' AND recorded_customer_id = ? AND json_extract(data, '$.merged_id') = ? ORDER BY at DESC, id DESC LIMIT 1",
    )
    .get(directId, aliasId);
  const taken = merge ? ((JSON.parse(merge.data) as { fields_taken?: unknown[] }).fields_taken ?? []).filter(isMergedField) : [];
  return taken.filter(
    (f) => sqlite.query<{ same: number }, [string, string]>(`SELECT (s.${f} IS a.${f}) AS same FROM customers s, customers a WHERE s.id = ? AND a.id = ?`).get(survivorId, aliasId)?.same === 1,
  );
}
