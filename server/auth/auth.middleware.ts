import type { Database } from 'bun:sqlite';
import { createMiddleware } from 'hono/factory';
import { AppError } from '../errors.ts';
import { authenticate, type Principal, type Role } from './token.service.ts';

export type AuthEnv = { Variables: { principal: Principal } };

/*
 * What each role may do. Terminals post transactions and read nothing personal; clerks look customers
 * up and register them; managers also see store-wide figures and may erase; admin may do everything.
 */
export const ACCESS = {
  ingest: ['terminal', 'admin'],
  customers: ['clerk', 'manager', 'admin'],
  store: ['manager', 'admin'],
} as const satisfies Record<string, readonly Role[]>;

export function requireRole(sqlite: Database, allowed: readonly Role[]) {
  return createMiddleware<AuthEnv>(async function requireRole(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError(401, 'unauthorized', 'a bearer token is required');
    const principal = authenticate(sqlite, match[1]!);
    if (!principal) throw new AppError(401, 'unauthorized', 'the token is not valid');
    if (!allowed.includes(principal.role)) {
      throw new AppError(403, 'forbidden', `role ${principal.role} may not do this`, { allowed });
    }
    c.set('principal', principal);
    await next();
  });
}
