import type { Database } from 'bun:sqlite';
import { randomBytes } from 'node:crypto';
import type { Role } from '../contract/enums.ts';
import type { Actor } from '../kernel/actor.ts';
import { sha256 } from '../kernel/hash.ts';
import { newId } from '../kernel/ids.ts';

export function hashToken(token: string): string {
  return sha256(token);
}

/** Creates a token; returns it in clear exactly once. Only its hash is stored. */
export function createToken(sqlite: Database, role: Role, name: string, now: number): { id: string; token: string } {
  const id = newId(now);
  const token = `sa_${role}_${randomBytes(24).toString('base64url')}`;
  sqlite
    .query('INSERT INTO api_tokens (id, name, role, token_hash, created_at) VALUES (?, ?, ?, ?, ?)')
    .run(id, name, role, hashToken(token), now);
  return { id, token };
}

/** Revokes a token by id (or by its name when exactly one live token has it); false when nothing was revoked. */
export function revokeToken(sqlite: Database, idOrName: string, now: number): boolean {
  const byId = sqlite.query('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, idOrName).changes;
  if (byId > 0) return true;
  const named = sqlite.query<{ id: string }, [string]>('SELECT id FROM api_tokens WHERE name = ? AND revoked_at IS NULL').all(idOrName);
  if (named.length !== 1) return false;
  return sqlite.query('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(now, named[0]!.id).changes > 0;
}

/** Revokes every live token with one of these names; returns how many. */
export function revokeTokensNamed(sqlite: Database, names: readonly string[], now: number): number {
  const revoke = sqlite.query('UPDATE api_tokens SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL');
  return names.reduce((n, name) => n + revoke.run(now, name).changes, 0);
}

export interface TokenListing {
  id: string;
  name: string;
  role: string;
  created_at: string;
  revoked_at: string | null;
}

/** Every token, oldest first: who and what it is, never the token (only its hash is kept). */
export function listTokens(sqlite: Database): TokenListing[] {
  return sqlite
    .query<{ id: string; name: string; role: string; created_at: number; revoked_at: number | null }, []>('SELECT id, name, role, created_at, revoked_at FROM api_tokens ORDER BY created_at, id')
    .all()
    .map((t) => ({ ...t, created_at: new Date(t.created_at).toISOString(), revoked_at: t.revoked_at === null ? null : new Date(t.revoked_at).toISOString() }));
}

export interface Principal {
  tokenId: string;
  name: string;
  role: Role;
  /** Set when a staff member signed in on a tablet (a session): who did what is recorded by it. */
  staffId?: string;
}

/** What a customer event records of who acted. */
export function actorOf(p: Principal): Actor {
  return { staff_id: p.staffId ?? null, token_id: p.tokenId };
}

export function authenticate(sqlite: Database, token: string): Principal | null {
  const row = sqlite
    .query<{ id: string; name: string; role: Role }, [string]>(
      'SELECT id, name, role FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL',
    )
    .get(hashToken(token));
  return row ? { tokenId: row.id, name: row.name, role: row.role } : null;
}
