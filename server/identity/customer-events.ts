import type { Database } from 'bun:sqlite';
import { newId } from '../kernel/ids.ts';

/**
 * Customer events are facts (they sync). Their data never holds personal values (names, numbers):
 * only field names and ids, so erasure does not have to rewrite history.
 */
export function recordEvent(sqlite: Database, customerId: string, kind: string, at: number, data: Record<string, unknown>): void {
  sqlite
    .query('INSERT INTO customer_events (id, customer_id, kind, at, data) VALUES (?, ?, ?, ?, ?)')
    .run(newId(at), customerId, kind, at, JSON.stringify(data));
}
