import type { CustomerCard } from '../../../server/contract/profile.ts';
import { type CachedCard, offlineDb } from './offline-db.ts';

/** How many opened cards stay readable offline. */
export const KEEP_CARDS = 200;

/** Keeps a card the server just answered, as the most recently opened; the oldest beyond KEEP_CARDS leave. */
export async function cacheCard(card: CustomerCard, fetchedAt = new Date()): Promise<void> {
  const db = await offlineDb();
  const tx = db.transaction('cards', 'readwrite');
  await tx.store.put({ id: card.id, card, fetched_at: fetchedAt.toISOString(), opened_at: Date.now() });
  const extra = (await tx.store.count()) - KEEP_CARDS;
  if (extra > 0) {
    let cursor = await tx.store.index('opened_at').openCursor();
    for (let i = 0; i < extra && cursor; i++) {
      await cursor.delete();
      cursor = await cursor.continue();
    }
  }
  await tx.done;
}

/** The card as last fetched, marked as opened now; null when this tablet never kept it. */
export async function cachedCard(id: string): Promise<CachedCard | null> {
  const db = await offlineDb();
  const tx = db.transaction('cards', 'readwrite');
  const hit = await tx.store.get(id);
  if (hit) await tx.store.put({ ...hit, opened_at: Date.now() });
  await tx.done;
  return hit ?? null;
}

/** Lookups remembered before the ones whose card has left are forgotten. */
const KEEP_LOOKUPS = KEEP_CARDS * 4;

/** Remembers which customer a lookup found, so scanning the same card offline opens the kept card. */
export async function rememberLookup(path: string, customerId: string): Promise<void> {
  const db = await offlineDb();
  await db.put('lookups', customerId, path);
  if ((await db.count('lookups')) <= KEEP_LOOKUPS) return;
  const kept = new Set(await db.getAllKeys('cards'));
  const tx = db.transaction('lookups', 'readwrite');
  for (let cursor = await tx.store.openCursor(); cursor; cursor = await cursor.continue()) {
    if (!kept.has(cursor.value)) await cursor.delete();
  }
  await tx.done;
}

/** The customer a lookup found before, if their card is still kept. */
export async function cachedLookup(path: string): Promise<string | null> {
  const db = await offlineDb();
  const id = await db.get('lookups', path);
  return id !== undefined && (await db.count('cards', id)) > 0 ? id : null;
}
