import type * as z from 'zod';
import { ApiError, errorFromResponse } from './api-error.ts';

export interface ApiClient {
  call<S extends z.ZodType>(method: string, path: string, schema: S, body?: unknown): Promise<z.infer<S>>;
  /** For answers without a body (204). */
  send(method: string, path: string, body?: unknown): Promise<void>;
  /** A file the API answers (a CSV export), with the name its Content-Disposition suggests. */
  download(path: string): Promise<{ blob: Blob; filename: string | null }>;
}

/**
 * Calls the appliance's API with the session's token; every answer is parsed with its contract schema.
 * `onUnauthorized` runs on any 401 (expired or signed-out session) before the error is thrown;
 * `onReachable` learns after every call whether the server answered at all.
 */
export function createApiClient(token: () => string | null, onUnauthorized: () => void, onReachable: (reached: boolean) => void = () => {}): ApiClient {
  async function request(method: string, path: string, body: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: 'application/json' };
    const bearer = token();
    if (bearer) headers.authorization = `Bearer ${bearer}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (error) {
      onReachable(false);
      throw new ApiError('network', 0, null, error instanceof Error ? error.message : String(error));
    }
    onReachable(true);
    if (res.ok) return res;
    const failure = await errorFromResponse(res);
    if (res.status === 401 && bearer) onUnauthorized();
    throw failure;
  }

  return {
    async call(method, path, schema, body) {
      const res = await request(method, path, body);
      const parsed = schema.safeParse(await res.json().catch(() => undefined));
      if (!parsed.success) throw new ApiError('unexpected', res.status, null, parsed.error.message);
      return parsed.data;
    },
    async send(method, path, body) {
      await request(method, path, body);
    },
    async download(path) {
      const res = await request('GET', path, undefined);
      const filename = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? null;
      return { blob: await res.blob(), filename };
    },
  };
}
