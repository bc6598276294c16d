import { type OutboxItem, offlineDb, type Refusal, type StoredOutboxItem } from './offline-db.ts';

/** Every waiting or refused change, oldest first (the order they are sent in). */
export async function outboxItems(): Promise<StoredOutboxItem[]> {
  return (await offlineDb()).getAll('outbox');
}

export async function enqueue(item: OutboxItem): Promise<void> {
  // The key path fills `seq`; the cast is the idb typing's, which wants it given.
  await (await offlineDb()).add('outbox', item as StoredOutboxItem);
}

export async function removeQueued(seq: number): Promise<void> {
  await (await offlineDb()).delete('outbox', seq);
}

export async function markRefused(item: StoredOutboxItem, failure: Refusal): Promise<void> {
  await (await offlineDb()).put('outbox', { ...item, failure });
}
