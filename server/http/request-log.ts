import type { Context, MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import { randomUUID } from 'node:crypto';
import type { Logger } from '../kernel/log.ts';
import { runInRequest } from '../kernel/request-context.ts';

/*
 * Every request gets an id: the caller's `X-Request-Id` when it is a plain token (a till or a proxy that
 * already has one, so both sides' logs can be joined), otherwise a fresh one. It is echoed in the response's
 * header, carried by every log line written while the request is answered (kernel/request-context.ts) and by
 * its error body. One access line per request: route pattern, never the path (`/customers/lookup?phone=…`
 * holds what a clerk typed), and who called by kind and role, never their token.
 */

export const REQUEST_ID_HEADER = 'x-request-id';
/** A caller's id is kept only if it is this plain: no spaces, quotes or control characters reach a log line. */
const VALID_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

export function requestIdFrom(header: string | undefined): string {
  return header !== undefined && VALID_REQUEST_ID.test(header) ? header : randomUUID();
}

export function requestLog(log: Logger): MiddlewareHandler {
  return async function requestLog(c, next) {
    const requestId = requestIdFrom(c.req.header(REQUEST_ID_HEADER));
    const t0 = performance.now();
    await runInRequest({ requestId }, async () => {
      await next();
      c.header(REQUEST_ID_HEADER, requestId);
      const status = c.res.status;
      const fields = { method: c.req.method, route: routeOf(c), status, duration_ms: Math.round((performance.now() - t0) * 10) / 10, ...callerOf(c) };
      if (status >= 500) log.error('http.request', fields);
      else log.info('http.request', fields);
    });
  };
}

/**
 * The pattern of the handler that answered (the route index has moved on to it once `next()` is done), never the
 * path: `/api/v1/customers/:id`. The PWA's files and unknown paths, answered by the catch-all, share `other`.
 */
export function routeOf(c: Context): string {
  const answered = routePath(c);
  return answered === '*' || answered === '/*' ? 'other' : answered;
}

/**
 * Who called, as the auth middlewares left it on the context: a store's staff session or API token (`principal`),
 * a store pushing to central (`storeId`) or a headquarters token. Nothing when the call was refused before.
 */
function callerOf(c: Context): { actor?: string; role?: string; store_id?: string } {
  const principal = c.get('principal') as { role: string; staffId?: string } | undefined;
  if (principal) return { actor: principal.staffId ? 'staff_session' : 'api_token', role: principal.role };
  const storeId = c.get('storeId') as string | undefined;
  if (storeId) return { actor: 'store', role: 'store', store_id: storeId };
  return {};
}
