import type { Context } from 'hono';
import { routePath } from 'hono/route';
import type { AuthEnv } from '../auth/auth.middleware.ts';
import type { AuditAction } from '../contract/audit.ts';
import type { AuditTrail } from './audit-trail.ts';

/**
 * Records that the caller of this request is being answered personal data: `customerIds` whose data it is,
 * one row each. Call it once the answer is known (a 404 reads nothing). `query`, when given, is
 * appended to the route (`GET /api/v1/audiences/export?channel=sms`): the filter that chose the customers.
 */
export function recordRead(trail: AuditTrail, c: Context<AuthEnv>, action: AuditAction, customerIds: ReadonlyArray<string>, query = ''): void {
  const p = c.get('principal');
  const actor = p.staffId ? { actorKind: 'staff' as const, actorId: p.staffId } : { actorKind: 'token' as const, actorId: p.tokenId };
  const route = `${c.req.method} ${routePath(c)}${query ? `?${query}` : ''}`;
  for (const customerId of customerIds) trail.record({ ...actor, role: p.role, action, customerId, route });
}
