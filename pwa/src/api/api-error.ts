import { errorSchema } from '../../../server/contract/errors.ts';
import type { ErrorCode } from '../../../server/contract/errors.ts';

/** A failed call: an HTTP error with the contract's error body, no answer at all, or an answer the contract refuses. */
export class ApiError extends Error {
  constructor(
    readonly kind: 'http' | 'network' | 'unexpected',
    readonly status: number,
    readonly code: ErrorCode | null,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  const body: unknown = await res.json().catch(() => null);
  const parsed = errorSchema.safeParse((body as { error?: unknown } | null)?.error);
  if (parsed.success) return new ApiError('http', res.status, parsed.data.code, parsed.data.message, parsed.data.details);
  return new ApiError('http', res.status, null, `HTTP ${res.status}`);
}
