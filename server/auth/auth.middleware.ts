import type { Database } from 'bun:sqlite';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../kernel/errors.ts';
import type { Role } from '../contract/enums.ts';
import { authenticate, type Principal } from './token.service.ts';

export type AuthEnv = { Variables: { principal: Principal } };

/*
 * What each role may do. Terminals post transactions and read nothing personal; clerks look customers
 * up and register them; managers also see store-wide figures, export audiences and may erase; hq (head
 * office) reads the store-wide figures only: no personal data, no writes; admin may do everything.
 */
export const ACCESS = {
  ingest: ['terminal', 'admin'],
  customers: ['clerk', 'manager', 'admin'],
  analytics: ['manager', 'hq', 'admin'],
  store: ['manager', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

/** How long a token that was found valid is trusted without asking the database again (revocation delay). */
const TRUSTED_FOR_MS = 5_000;
const MAX_TRUSTED = 1_000;

export function requireRole(sqlite: Database, allowed: readonly Role[]) {
  // Every POS post carries the same few tokens: remembering them briefly takes a hash and a lookup off
  // the ingest hot path. Only valid tokens are remembered; a revoked one stops working within TRUSTED_FOR_MS.
  const trusted = new Map<string, { principal: Principal; until: number }>();
  const principalOf = (token: string): Principal | null => {
    const now = performance.now();
    const hit = trusted.get(token);
    if (hit && hit.until > now) return hit.principal;
    const principal = authenticate(sqlite, token);
    if (trusted.size >= MAX_TRUSTED) trusted.clear();
    if (principal) trusted.set(token, { principal, until: now + TRUSTED_FOR_MS });
    else trusted.delete(token);
    return principal;
  };
  return createMiddleware<AuthEnv>(async function requireRole(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError(401, 'unauthorized', 'a bearer token is required');
    const principal = principalOf(match[1]!);
    if (!principal) throw new AppError(401, 'unauthorized', 'the token is not valid');
    if (!allowed.includes(principal.role)) {
      throw new AppError(403, 'forbidden', `role ${principal.role} may not do this`, { allowed });
    }
    c.set('principal', principal);
    await next();
  });
}
