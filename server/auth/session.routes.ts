import { Hono } from 'hono';
import { type Session, signInSchema } from '../contract/session.ts';
import type { StoreDeps } from '../db/store-deps.ts';
import { limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { AppError } from '../kernel/errors.ts';
import type { Authenticator } from './authenticator.ts';
import { createSignInLimiter } from './sign-in-limiter.ts';
import { staffNameKey, verifyStaff } from './staff.service.ts';

/*
 * POST /api/v1/session: a staff member signs in on a shared tablet with name + PIN and gets a short-lived
 * session token for their role. Failed attempts are counted per name and per device; a locked name or
 * device is answered 429 `locked` with when to retry, before any PIN is checked. DELETE signs out.
 */
export function sessionRoutes(deps: StoreDeps & { auth: Authenticator }) {
  const app = new Hono();
  const limiter = createSignInLimiter({ maxFailures: deps.config.SIGN_IN_MAX_FAILURES, lockMs: deps.config.SIGN_IN_LOCK_MINUTES * 60_000 });

  app.post('/session', limitBody(deps.config.MAX_BODY_BYTES), async (c) => {
    const body = parseOr422(signInSchema, await readJson(c, { what: 'the sign-in' }), 'the sign-in');
    const keys = [`name:${staffNameKey(body.name)}`, ...(body.device_id ? [`device:${body.device_id}`] : [])];
    const locked = (until: number) => {
      const retryAfterS = Math.max(1, Math.ceil((until - deps.clock()) / 1000));
      c.header('Retry-After', String(retryAfterS));
      return new AppError(429, 'locked', `too many failed sign-ins: try again in ${Math.ceil(retryAfterS / 60)} min`, {
        retry_after_s: retryAfterS,
        until: new Date(until).toISOString(),
      });
    };
    const before = limiter.lockedUntil(keys, deps.clock());
    if (before !== null) throw locked(before);
    const staff = await verifyStaff(deps.sqlite, body.name, body.pin);
    if (!staff) {
      limiter.fail(keys, deps.clock());
      const after = limiter.lockedUntil(keys, deps.clock());
      if (after !== null) throw locked(after);
      throw new AppError(401, 'unauthorized', 'the name or the PIN is not right');
    }
    limiter.succeed(keys);
    const { token, session } = deps.auth.sessions.open(staff);
    const answer: Session = {
      token,
      role: session.role,
      staff: { id: staff.id, name: staff.name },
      expires_at: new Date(session.expiresAt).toISOString(),
      idle_minutes: deps.config.SESSION_IDLE_MINUTES,
    };
    return c.json(answer, 201);
  });

  app.delete('/session', (c) => {
    const match = /^Bearer\s+(ss_\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match || !deps.auth.sessions.close(match[1]!)) throw new AppError(401, 'unauthorized', 'no session to end');
    return c.body(null, 204);
  });

  return app;
}
