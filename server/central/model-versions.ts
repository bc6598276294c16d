import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { ModelVersion } from '../../sync/protocol.ts';
import { sha256 } from '../kernel/hash.ts';
import type { CentralDb, CentralTx } from './central-db.ts';
import { lockOutbox } from './outbox-lock.ts';
import { modelFiles, modelVersions, storeOutbox, stores } from './schema.ts';

/*
 * Model sets central publishes to the stores: a version row, its files (bytea), and a 'model' item in every
 * active store's outbox, in one transaction. A store registered afterwards is given the current version when
 * it is registered (enqueueCurrentModel), so its first pull brings it too.
 */

export class VersionTakenError extends Error {
  override name = 'VersionTakenError';
}

/** Publishes a model set: its files are checksummed here, so what a store verifies is what central was given. */
export async function publishModelVersion(
  db: CentralDb,
  input: { version: string; card: unknown; files: { name: string; content: Uint8Array }[] },
  now: number,
): Promise<ModelVersion> {
  const published: ModelVersion = {
    version: input.version,
    files: input.files.map((f) => ({ name: f.name, bytes: f.content.byteLength, sha256: sha256(f.content) })),
  };
  await db.transaction(async (tx) => {
    await lockOutbox(tx, now);
    const inserted = await tx
      .insert(modelVersions)
      .values({ version: published.version, createdAt: now, files: published.files, card: input.card })
      .onConflictDoNothing()
      .returning({ version: modelVersions.version });
    if (inserted.length === 0) throw new VersionTakenError(`model version ${published.version} is published already`);
    for (const [i, f] of input.files.entries()) {
      await tx.insert(modelFiles).values({ version: published.version, name: f.name, bytes: published.files[i]!.bytes, sha256: published.files[i]!.sha256, content: f.content });
    }
    const active = await tx.select({ id: stores.id }).from(stores).where(isNull(stores.revokedAt));
    if (active.length > 0) await tx.insert(storeOutbox).values(active.map((s) => ({ storeId: s.id, kind: 'model', payload: published, createdAt: now })));
  });
  return published;
}

/** The newest published version, or null when central has published none. */
export async function currentModelVersion(db: CentralDb | CentralTx): Promise<ModelVersion | null> {
  const rows = await db
    .select({ version: modelVersions.version, files: modelVersions.files })
    .from(modelVersions)
    .orderBy(desc(modelVersions.createdAt), desc(modelVersions.version))
    .limit(1);
  return rows[0] ? ({ version: rows[0].version, files: rows[0].files } as ModelVersion) : null;
}

/** Puts the current version in a newly registered store's outbox (inside the registration's transaction). */
export async function enqueueCurrentModel(tx: CentralTx, storeId: string, now: number): Promise<void> {
  await lockOutbox(tx, now);
  const current = await currentModelVersion(tx);
  if (current) await tx.insert(storeOutbox).values({ storeId, kind: 'model', payload: current, createdAt: now });
}

/** Size and checksum of a published file, or null when there is no such file. */
export async function modelFileInfo(db: CentralDb, version: string, name: string): Promise<{ bytes: number; sha256: string } | null> {
  const rows = await db
    .select({ bytes: modelFiles.bytes, sha256: modelFiles.sha256 })
    .from(modelFiles)
    .where(and(eq(modelFiles.version, version), eq(modelFiles.name, name)));
  return rows[0] ?? null;
}

/** `length` bytes of a published file from `offset` (0-based): one chunk of a download, never the whole file. */
export async function readModelFileChunk(db: CentralDb, version: string, name: string, offset: number, length: number): Promise<Uint8Array> {
  // substring on bytea counts from 1; base64 text reads the same through PGlite and Bun's PostgreSQL client.
  const rows = await db
    .select({ chunk: sql<string>`encode(substring(${modelFiles.content} from ${offset + 1}::int for ${length}::int), 'base64')` })
    .from(modelFiles)
    .where(and(eq(modelFiles.version, version), eq(modelFiles.name, name)));
  return Buffer.from(rows[0]?.chunk ?? '', 'base64');
}
