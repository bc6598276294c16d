import { errorSchema } from '../contract/errors.ts';
import type { Config } from '../kernel/config.ts';

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
    throw new SyncError(`central at ${central} cannot be reached: ${error instanceof Error ? error.message : String(error)}`);
  }
  const body: unknown = await res.json().catch(() => null);
  const failure = res.ok ? null : errorSchema.safeParse((body as { error?: unknown } | null)?.error);
  return { status: res.status, body, error: failure?.success ? failure.data : null };
}

/** The SyncError for an answer central refused. */
export function refused(what: string, answer: CentralAnswer): SyncError {
  return new SyncError(`central refused the ${what} (${answer.status}${answer.error ? ` ${answer.error.code}: ${answer.error.message}` : ''})`);
}
