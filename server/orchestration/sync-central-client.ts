import { errorSchema } from '../contract/errors.ts';
import type { Config } from '../kernel/config.ts';
import { urlWithoutCredentials } from '../kernel/url-without-credentials.ts';

/** How long one exchange with central may take before the store gives up on it (and retries later). */
const TIMEOUT_MS = 60_000;

/** Why a sync exchange failed, in a line a store manager can act on. */
export class SyncError extends Error {
  override name = 'SyncError';
}

export interface CentralAnswer {
  status: number;
  body: unknown;
  /** The `{error}` of a refusal, when central sent one. */
  error: { code: string; message: string; details: unknown } | null;
}

/** One request to central with the store's credential; throws SyncError when central cannot be reached. */
export async function centralRequest(config: Config, path: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: BodyInit }): Promise<CentralAnswer> {
  const res = await send(config, path, init);
  const body: unknown = await res.json().catch(() => null);
  const failure = res.ok ? null : errorSchema.safeParse((body as { error?: unknown } | null)?.error);
  return { status: res.status, body, error: failure?.success ? failure.data : null };
}

/**
 * A GET of a file from central with the store's credential: the response as it comes, for the caller to stream
 * (a model file). A refusal is a SyncError with central's reason.
 */
export async function centralDownload(config: Config, path: string): Promise<Response> {
  const res = await send(config, path, { method: 'GET' });
  if (res.ok) return res;
  const body: unknown = await res.json().catch(() => null);
  const failure = errorSchema.safeParse((body as { error?: unknown } | null)?.error);
  throw refused(`download of ${path}`, { status: res.status, body, error: failure.success ? failure.data : null });
}

async function send(config: Config, path: string, init: { method: 'GET' | 'POST'; headers?: Record<string, string>; body?: BodyInit }): Promise<Response> {
  const { CENTRAL_URL: central, SYNC_TOKEN: token } = config;
  if (!central || !token) throw new SyncError('sync is not configured: set CENTRAL_URL, SYNC_TOKEN and CHAIN_SECRET');
  let res: Response;
  try {
    res = await fetch(new URL(path, central), {
      method: init.method,
      headers: { authorization: `Bearer ${token}`, ...init.headers },
      body: init.body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (error) {
    throw new SyncError(`central at ${urlWithoutCredentials(central)} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  return res;
}

/** The SyncError for an answer central refused. */
export function refused(what: string, answer: CentralAnswer): SyncError {
  return new SyncError(`central refused the ${what} (${answer.status}${answer.error ? ` ${answer.error.code}: ${answer.error.message}` : ''})`);
}
