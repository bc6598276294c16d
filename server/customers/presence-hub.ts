import type { Database } from 'bun:sqlite';
import type { PresenceEvent } from '../contract/presence.ts';
import type { Stage } from '../contract/enums.ts';

type Listener = (event: PresenceEvent) => void;

/**
 * "Now at the till": who a terminal has just identified, fanned out to the clerks' tablets listening on
 * `GET /api/v1/events`. In memory and fire-and-forget: a tablet that was not listening simply missed a
 * moment that has passed.
 */
export function createPresenceHub(sqlite: Database) {
  const listeners = new Set<Listener>();
  const enders = new Set<() => void>();
  return {
    /** `end` is called if the appliance stops while the listener is subscribed (its stream must close then). */
    subscribe(listener: Listener, end: () => void = () => undefined): () => void {
      listeners.add(listener);
      enders.add(end);
      return () => {
        listeners.delete(listener);
        enders.delete(end);
      };
    },
    /** The appliance is stopping: every listener's stream ends now, so the HTTP server can finish. */
    close(): void {
      for (const end of [...enders]) end();
    },
    listeners: () => listeners.size,
    /** Tells every listener that `customerId` is at `terminalId` (a merged id is followed to its survivor). */
    publish(customerId: string, terminalId: string, at: number, source: PresenceEvent['source']): void {
      if (listeners.size === 0) return;
      const row = sqlite
        .query<{ id: string; name: string | null; erased_at: number | null; stage: Stage | null }, [string]>(
          `SELECT c.id, c.name, c.erased_at, l.stage FROM customers c LEFT JOIN customer_lifecycle l ON l.customer_id = c.id
           WHERE c.id = (SELECT coalesce(merged_into, id) FROM customers WHERE id = ?)`,
        )
        .get(customerId);
      if (!row || row.erased_at !== null) return;
      const event: PresenceEvent = { customer_id: row.id, name: row.name, stage: row.stage, terminal_id: terminalId, at: new Date(at).toISOString(), source };
      for (const l of listeners) l(event);
    },
  };
}

export type PresenceHub = ReturnType<typeof createPresenceHub>;
