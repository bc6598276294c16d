import type { Database } from 'bun:sqlite';

/*
 * A tablet's offline queue sends a write again when it never saw the answer; the write carries the id the
 * tablet made for it (`client_id`), stored in the event it recorded. Finding that event makes the second
 * send a replay. Safe without a unique index: every write runs in the single write queue, so the look-up
 * and the insert that follows cannot interleave with another request's.
 */

/** The kinds of event a client id can make a replay of; each has a partial index (migrations 0015, 0016). */
export type ReplayableKind = 'registered' | 'profile_updated';

// The kind is written out, not bound: SQLite uses a partial index only when the query names its condition.
const QUERIES: Record<ReplayableKind, string> = {
  registered: "SELECT recorded_customer_id FROM customer_events WHERE json_extract(data, '$.client_id') = ? AND kind = 'registered'",
  profile_updated: "SELECT recorded_customer_id FROM customer_events WHERE json_extract(data, '$.client_id') = ? AND kind = 'profile_updated'",
};

/** The customer the event of `kind` with this client id was recorded for, or null when there is none. */
export function customerOfClientId(sqlite: Database, kind: ReplayableKind, clientId: string): string | null {
  return sqlite.query<{ recorded_customer_id: string }, [string]>(QUERIES[kind]).get(clientId)?.recorded_customer_id ?? null;
}
