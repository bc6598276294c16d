import type { Database } from 'bun:sqlite';

/**
 * SKUs a customer brought back at or after `since` (epoch ms): never suggested to them again within the
 * return block window. Read from the facts at the moment of asking, so a return counts from its own commit,
 * before any rescoring has caught up with it.
 */
export function returnedSkusSince(sqlite: Database, customerId: string, since: number): { skus: Set<string>; lastReturnAt: number | null } {
  const rows = sqlite
    .query<{ sku: string | null; at: number }, [string, number]>(
      `SELECT l.sku, t.occurred_at AS at FROM transactions t JOIN transaction_lines l ON l.tx_id = t.id
       WHERE t.customer_id = ? AND t.kind = 'return' AND l.void = 0 AND t.occurred_at > ?`,
    )
    .all(customerId, since);
  return {
    skus: new Set(rows.flatMap((r) => (r.sku ? [r.sku] : []))),
    lastReturnAt: rows.reduce<number | null>((m, r) => (m === null || r.at > m ? r.at : m), null),
  };
}
