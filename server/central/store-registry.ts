import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { sha256 } from '../kernel/hash.ts';
import type { CentralDb } from './central-db.ts';
import { enqueueCurrentChainSettings } from './chain-settings.ts';
import { enqueueCurrentModel } from './model-versions.ts';
import { stores } from './schema.ts';

export interface RegisteredStore {
  id: string;
  name: string;
  createdAt: number;
  revokedAt: number | null;
  cursor: number;
  lastPushAt: number | null;
  clockSkewMs: number | null;
}

const STORE_ID = /^[A-Za-z0-9_-]{1,32}$/;

/** Registers a store; returns its sync credential in clear, this once (central keeps only its hash). */
export async function registerStore(db: CentralDb, input: { id: string; name: string }, now: number): Promise<string> {
  if (!STORE_ID.test(input.id)) throw new RangeError('a store id is 1 to 32 letters, digits, _ or -');
  const credential = `ss_${input.id}_${randomBytes(24).toString('base64url')}`;
  await db.transaction(async (tx) => {
    const inserted = await tx
      .insert(stores)
      .values({ id: input.id, name: input.name, credentialHash: sha256(credential), createdAt: now })
      .onConflictDoNothing()
      .returning({ id: stores.id });
    if (inserted.length === 0) throw new RangeError(`store ${input.id} is registered already`);
    // The models the chain serves and its settings now reach the new store with its first pull.
    await enqueueCurrentModel(tx, input.id, now);
    await enqueueCurrentChainSettings(tx, input.id, now);
  });
  return credential;
}

export async function listStores(db: CentralDb): Promise<RegisteredStore[]> {
  return db
    .select({ id: stores.id, name: stores.name, createdAt: stores.createdAt, revokedAt: stores.revokedAt, cursor: stores.cursor, lastPushAt: stores.lastPushAt, clockSkewMs: stores.clockSkewMs })
    .from(stores)
    .orderBy(stores.id);
}

/** Revokes a store's credential: its next push is refused. False when there was no such active store. */
export async function revokeStore(db: CentralDb, id: string, now: number): Promise<boolean> {
  const rows = await db.update(stores).set({ revokedAt: now }).where(and(eq(stores.id, id), isNull(stores.revokedAt))).returning({ id: stores.id });
  return rows.length > 0;
}

/** The store a sync credential belongs to, or null (unknown or revoked). */
export async function storeForCredential(db: CentralDb, credential: string): Promise<string | null> {
  const rows = await db
    .select({ id: stores.id })
    .from(stores)
    .where(and(eq(stores.credentialHash, sha256(credential)), isNull(stores.revokedAt)));
  return rows[0]?.id ?? null;
}
