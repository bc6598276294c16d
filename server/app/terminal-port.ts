import { errorBody } from '../kernel/errors.ts';

/** What POS terminals post (JSON one by one or in batches, POSLog XML): all the plain-HTTP terminal port answers. */
export const POS_INGEST_PATHS: ReadonlySet<string> = new Set(['/api/v1/transactions', '/api/v1/transactions/batch', '/api/v1/poslog']);

/**
 * The fetch handler of TERMINAL_HTTP_PORT, for tills that cannot speak TLS: POS ingest passes to the app (same
 * tokens, same answers); anything else — profiles, sign-in, the PWA — is refused with 403, so nothing a clerk
 * or a manager reads ever travels the LAN unencrypted.
 */
export function terminalOnly(appFetch: (request: Request) => Response | Promise<Response>) {
  return function terminalPort(request: Request): Response | Promise<Response> {
    if (request.method === 'POST' && POS_INGEST_PATHS.has(new URL(request.url).pathname)) return appFetch(request);
    const allowed = [...POS_INGEST_PATHS].map((path) => `POST ${path}`);
    const body = errorBody('forbidden', 'this plain-HTTP port serves POS terminals only; use the HTTPS port', { allowed });
    return Response.json(body, { status: 403 });
  };
}
