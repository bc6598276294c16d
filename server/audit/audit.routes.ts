import { Hono } from 'hono';
import type { Database } from 'bun:sqlite';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { auditQuerySchema } from '../contract/audit.ts';
import { parseOr422 } from '../http/request-body.ts';
import { auditPage } from './audit-rows.ts';
import type { AuditTrail } from './audit-trail.ts';

/** GET /audit (manager): who read which customer's personal data. */
export function auditRoutes(deps: { sqlite: Database; auth: Authenticator; audit: AuditTrail }) {
  const app = new Hono<AuthEnv>();
  app.get('/audit', requireRole(deps.auth, ACCESS.store), async (c) => {
    const q = parseOr422(auditQuerySchema, c.req.query(), 'the audit query');
    // Reads answered before this request are in the page, not still waiting for their interval.
    await deps.audit.flush();
    return c.json(
      auditPage(deps.sqlite, {
        customerId: q.customer_id,
        actorId: q.actor,
        since: q.since === undefined ? undefined : Date.parse(q.since),
        until: q.until === undefined ? undefined : Date.parse(q.until),
        beforeId: q.cursor === undefined ? undefined : Number(q.cursor),
        limit: q.limit,
      }),
    );
  });
  return app;
}
