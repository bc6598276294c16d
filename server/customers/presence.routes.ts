import { Hono } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Authenticator } from '../auth/authenticator.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import type { PresenceEvent } from '../contract/presence.ts';
import { presenceInputSchema } from '../contract/presence.ts';
import type { StoreDeps } from '../db/store-deps.ts';
import { limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { findCustomerByIdentifier } from '../identity/identity.service.ts';
import { normalizeIdentifiers } from '../identity/normalize-identifier.ts';
import { AppError } from '../kernel/errors.ts';
import type { PresenceHub } from './presence-hub.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { recordRead } from '../audit/audit-read.ts';

/**
 * Between keep-alive comments, so proxies and the tablet notice a dead stream. Must stay under Bun.serve's idle
 * timeout (10 s by default), which otherwise cuts a quiet stream and leaves tablets deaf while they reconnect.
 */
const HEARTBEAT_MS = 5_000;

export function presenceRoutes(deps: StoreDeps & { auth: Authenticator; audit: AuditTrail; presence: PresenceHub }) {
  const app = new Hono<AuthEnv>();
  const terminal = requireRole(deps.auth, ACCESS.ingest);
  const clerk = requireRole(deps.auth, ACCESS.customers);

  /** A terminal scanned a card at the start of a sale: tablets hear of it now. Never creates a customer. */
  app.post('/presence', terminal, limitBody(deps.config.MAX_BODY_BYTES), async (c) => {
    const input = parseOr422(presenceInputSchema, await readJson(c, { what: 'the presence' }), 'the presence');
    const { refs, errors } = normalizeIdentifiers(input.customer, deps.config.STORE_PHONE_REGION);
    if (errors.length > 0) throw new AppError(422, 'validation_failed', 'an identifier is not valid', errors.map((e) => ({ path: `customer.${e.field}`, message: e.message })));
    const customerId = refs.map((r) => findCustomerByIdentifier(deps.sqlite, r)).find((id) => id !== null);
    if (!customerId) throw new AppError(404, 'not_found', 'no customer with that identifier');
    deps.presence.publish(customerId, input.terminal_id, deps.clock(), 'presence');
    return c.json({ customer_id: customerId }, 202);
  });

  /** Server-Sent Events for the clerks' tablets: `presence` events; the browser's EventSource reconnects by itself. */
  app.get('/events', clerk, (c) =>
    streamSSE(c, async (stream) => {
      const queue: PresenceEvent[] = [];
      let wake: (() => void) | null = null;
      const unsubscribe = deps.presence.subscribe(
        (e) => {
          queue.push(e);
          wake?.();
        },
        () => stream.abort(),
      );
      stream.onAbort(() => {
        unsubscribe();
        wake?.();
      });
      await stream.writeSSE({ event: 'ready', data: '{}', retry: 2000 });
      while (!stream.aborted) {
        const next = queue.shift();
        if (next) {
          // The tablet is told who is at the till (a name): a read of that customer's data.
          recordRead(deps.audit, c, 'presence.event', [next.customer_id]);
          await stream.writeSSE({ event: 'presence', data: JSON.stringify(next) });
          continue;
        }
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, HEARTBEAT_MS);
        });
        wake = null;
        if (queue.length === 0 && !stream.aborted) await stream.write(': keep-alive\n\n');
      }
      unsubscribe();
    }),
  );

  return app;
}
