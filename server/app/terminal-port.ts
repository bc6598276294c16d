import { Hono } from 'hono';
import { errorResponseBody } from '../kernel/errors.ts';
import type { Logger } from '../kernel/log.ts';
import { requestLog } from '../http/request-log.ts';

/** What POS terminals post (JSON one by one or in batches, POSLog XML): all the plain-HTTP terminal port answers. */
export const POS_INGEST_PATHS: ReadonlySet<string> = new Set(['/api/v1/transactions', '/api/v1/transactions/batch', '/api/v1/poslog']);

/**
 * The fetch handler of TERMINAL_HTTP_PORT, for tills that cannot speak TLS: POS ingest passes to the app (same
 * tokens, same answers); anything else — profiles, sign-in, the PWA — is refused with 403, so nothing a clerk
 * or a manager reads ever travels the LAN unencrypted. A refusal goes through the app's request log as any
 * answer does: its request id in the body and the X-Request-Id header, and one access line.
 */
export function terminalOnly(appFetch: (request: Request) => Response | Promise<Response>, log: Logger) {
  const allowed = [...POS_INGEST_PATHS].map((path) => `POST ${path}`);
  const refusals = new Hono();
  refusals.use('*', requestLog(log));
  refusals.all('*', (c) => c.json(errorResponseBody('forbidden', 'this plain-HTTP port serves POS terminals only; use the HTTPS port', { allowed }), 403));
  return function terminalPort(request: Request): Response | Promise<Response> {
    if (request.method === 'POST' && POS_INGEST_PATHS.has(new URL(request.url).pathname)) return appFetch(request);
    return refusals.fetch(request);
  };
}
