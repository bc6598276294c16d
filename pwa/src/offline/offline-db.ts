import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { OutcomeInput } from '../../../server/contract/actions.ts';
import type { RegisterCustomer, UpdateCustomer } from '../../../server/contract/customer.ts';
import type { ErrorCode } from '../../../server/contract/errors.ts';
import type { CustomerCard } from '../../../server/contract/profile.ts';

/* The tablet's own store (IndexedDB): cards opened lately, what lookups found, and the changes waiting to be sent. */

export interface CachedCard {
  id: string;
  card: CustomerCard;
  /** When the server answered this card (ISO): what the "as of" badge shows. */
  fetched_at: string;
  /** Epoch ms of the last opening: the least recently opened leave first. */
  opened_at: number;
}

/** What the server answered when it refused a change for good. */
export interface Refusal {
  status: number;
  code: ErrorCode | null;
  message: string;
  details: unknown;
}

/** Who made a change on this tablet: the session's staff member when it was queued. */
export interface QueuedBy {
  staff_id: string;
  staff_name: string;
}

interface QueuedBase {
  /** Made on the tablet when the change was made; the server recognises a send of it again. */
  client_id: string;
  queued_at: string;
  by: QueuedBy;
  /** A definitive refusal (4xx other than 401): kept and shown until the clerk has seen it. */
  failure?: Refusal;
}

export type OutboxItem = QueuedBase &
  (
    | { kind: 'outcome'; action_id: string; customer_id: string; body: OutcomeInput }
    | { kind: 'consent'; customer_id: string; body: UpdateCustomer }
    | { kind: 'register'; body: RegisterCustomer }
  );

/** An item as stored: `seq` orders the sends. */
export type StoredOutboxItem = OutboxItem & { seq: number };

interface OfflineSchema extends DBSchema {
  cards: { key: string; value: CachedCard; indexes: { opened_at: number } };
  /** A lookup path (`/api/v1/customers/lookup?card=…`) → the customer it found. */
  lookups: { key: string; value: string };
  outbox: { key: number; value: StoredOutboxItem };
}

let opened: Promise<IDBPDatabase<OfflineSchema>> | null = null;

export function offlineDb(): Promise<IDBPDatabase<OfflineSchema>> {
  opened ??= openDB<OfflineSchema>('clerk-offline', 1, {
    upgrade(db) {
      db.createObjectStore('cards', { keyPath: 'id' }).createIndex('opened_at', 'opened_at');
      db.createObjectStore('lookups');
      db.createObjectStore('outbox', { keyPath: 'seq', autoIncrement: true });
    },
  });
  return opened;
}
