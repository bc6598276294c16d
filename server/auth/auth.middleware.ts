import { createMiddleware } from 'hono/factory';
import { AppError } from '../kernel/errors.ts';
import type { Role } from '../contract/enums.ts';
import type { Authenticator } from './authenticator.ts';
import type { Principal } from './token.service.ts';

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
  /** GET /metrics: a manager, or a scraper's `metrics` token that reads nothing else. */
  metrics: ['manager', 'admin', 'metrics'],
} as const satisfies Record<string, readonly Role[]>;

/** The route answers callers whose token has one of these roles: 401 without a valid token, 403 with another role. */
export function requireRole(auth: Authenticator, allowed: readonly Role[]) {
  return createMiddleware<AuthEnv>(async function requireRole(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match) throw new AppError(401, 'unauthorized', 'a bearer token is required');
    const principal = auth.principalOf(match[1]!);
    if (!principal) throw new AppError(401, 'unauthorized', 'the token is not valid');
    if (!allowed.includes(principal.role)) {
      throw new AppError(403, 'forbidden', `role ${principal.role} may not do this`, { allowed });
    }
    c.set('principal', principal);
    await next();
  });
}
