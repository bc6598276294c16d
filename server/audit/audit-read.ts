import type { Context } from 'hono';
import { routePath } from 'hono/route';
import type { AuthEnv } from '../auth/auth.middleware.ts';
import type { AuditAction } from '../contract/audit.ts';
import type { AuditTrail } from './audit-trail.ts';

/**
 * Records that the caller of this request is being answered personal data: `customerIds` whose data it is, or
 * null for a list that names many. Call it once the answer is known (a 404 reads nothing).
 */
export function recordRead(trail: AuditTrail, c: Context<AuthEnv>, action: AuditAction, customerIds: ReadonlyArray<string> | null): void {
  const p = c.get('principal');
  const actor = p.staffId ? { actorKind: 'staff' as const, actorId: p.staffId } : { actorKind: 'token' as const, actorId: p.tokenId };
  const route = `${c.req.method} ${routePath(c)}`;
  for (const customerId of customerIds ?? [null]) trail.record({ ...actor, role: p.role, action, customerId, route });
}
