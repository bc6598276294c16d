import { Hono } from 'hono';
import type { StoreDeps } from '../db/store-deps.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { actorOf } from '../auth/token.service.ts';
import { limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { outcomeSchema } from '../contract/actions.ts';
import type { ActionsService } from './actions.service.ts';
import { todayList } from './today-list.ts';

export function actionRoutes(deps: StoreDeps & { auth: Authenticator }, actions: ActionsService) {
  const app = new Hono<AuthEnv>();
  const clerk = requireRole(deps.auth, ACCESS.customers);

  app.get('/today', clerk, async (c) =>
    c.json(
      await todayList(
        { sqlite: deps.sqlite, timeZone: deps.config.STORE_TZ, minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS, currency: deps.config.STORE_CURRENCY, actionsFor: (id) => actions.actionsFor(id) },
        deps.clock(),
      ),
    ),
  );

  app.get('/customers/:id/actions', clerk, async (c) => c.json(await actions.actionsFor(c.req.param('id'))));

  app.post('/actions/:id/outcome', clerk, limitBody(deps.config.MAX_BODY_BYTES), async (c) => {
    const body = parseOr422(outcomeSchema, await readJson(c), 'the outcome');
    return c.json(await actions.recordOutcome(c.req.param('id'), body, actorOf(c.get('principal'))));
  });

  return app;
}
