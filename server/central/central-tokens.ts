import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import { type HqRole, HQ_ROLES } from '../contract/hq.ts';
import { sha256 } from '../kernel/hash.ts';
import { newId } from '../kernel/ids.ts';
import type { CentralDb } from './central-db.ts';
import { centralTokens } from './schema.ts';

export interface CentralPrincipal {
  tokenId: string;
  name: string;
  role: HqRole;
}

/** Creates a headquarters token; returns it in clear exactly once (central keeps only its hash). */
export async function createCentralToken(db: CentralDb, role: HqRole, name: string, now: number): Promise<{ id: string; token: string }> {
  const id = newId(now);
  const token = `sc_${role}_${randomBytes(24).toString('base64url')}`;
  await db.insert(centralTokens).values({ id, name, role, tokenHash: sha256(token), createdAt: now });
  return { id, token };
}

/** Whose headquarters token this is, or null (unknown or revoked). */
export async function centralPrincipalOf(db: CentralDb, token: string): Promise<CentralPrincipal | null> {
  const rows = await db
    .select({ id: centralTokens.id, name: centralTokens.name, role: centralTokens.role })
    .from(centralTokens)
    .where(and(eq(centralTokens.tokenHash, sha256(token)), isNull(centralTokens.revokedAt)));
  const row = rows[0];
  if (!row || !(HQ_ROLES as readonly string[]).includes(row.role)) return null;
  return { tokenId: row.id, name: row.name, role: row.role as HqRole };
}

/** Every headquarters token, oldest first, without the token itself. */
export async function listCentralTokens(db: CentralDb) {
  const rows = await db
    .select({ id: centralTokens.id, name: centralTokens.name, role: centralTokens.role, createdAt: centralTokens.createdAt, revokedAt: centralTokens.revokedAt })
    .from(centralTokens)
    .orderBy(centralTokens.createdAt, centralTokens.id);
  return rows.map((t) => ({ id: t.id, name: t.name, role: t.role, created_at: new Date(t.createdAt).toISOString(), revoked_at: t.revokedAt === null ? null : new Date(t.revokedAt).toISOString() }));
}

/** Revokes a headquarters token by id; its next request is refused (central checks every request). */
export async function revokeCentralToken(db: CentralDb, id: string, now: number): Promise<boolean> {
  const rows = await db.update(centralTokens).set({ revokedAt: now }).where(and(eq(centralTokens.id, id), isNull(centralTokens.revokedAt))).returning({ id: centralTokens.id });
  return rows.length > 0;
}
