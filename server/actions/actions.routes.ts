import { Hono } from 'hono';
import type { StoreDeps } from '../db/store-deps.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { actorOf } from '../auth/token.service.ts';
import { limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { outcomeSchema } from '../contract/actions.ts';
import type { ActionsService } from './actions.service.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { recordRead } from '../audit/audit-read.ts';
import { liveCustomerId } from '../identity/customer-write.service.ts';
import { todayList } from './today-list.ts';

export function actionRoutes(deps: StoreDeps & { auth: Authenticator; audit: AuditTrail }, actions: ActionsService) {
  const app = new Hono<AuthEnv>();
  const clerk = requireRole(deps.auth, ACCESS.customers);

  app.get('/today', clerk, async (c) => {
    const list = await todayList(
      { sqlite: deps.sqlite, timeZone: deps.config.STORE_TZ, minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS, currency: deps.config.STORE_CURRENCY, actionsFor: (id) => actions.actionsFor(id) },
      deps.clock(),
    );
    recordRead(deps.audit, c, 'customer.list', list.items.map((i) => i.customer.id));
    return c.json(list);
  });

  app.get('/customers/:id/actions', clerk, async (c) => {
    const found = await actions.actionsFor(c.req.param('id'));
    recordRead(deps.audit, c, 'actions.read', [liveCustomerId(deps.sqlite, c.req.param('id'))]);
    return c.json(found);
  });

  app.post('/actions/:id/outcome', clerk, limitBody(deps.config.MAX_BODY_BYTES), async (c) => {
    const body = parseOr422(outcomeSchema, await readJson(c), 'the outcome');
    return c.json(await actions.recordOutcome(c.req.param('id'), body, actorOf(c.get('principal'))));
  });

  return app;
}
