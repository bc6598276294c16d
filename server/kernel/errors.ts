/**
 * One error path: domain code throws AppError; the app's onError turns it into
 * `{error: {code, message, details}}` with its status. Anything else is a 500.
 */
export type ErrorCode =
  | 'bad_request'
  | 'invalid_json'
  | 'malformed_xml'
  | 'validation_failed'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'gone'
  | 'conflict'
  | 'idempotency_conflict'
  | 'identifier_taken'
  | 'insufficient_points'
  | 'wrong_store'
  | 'payload_too_large'
  | 'unsupported_media_type'
  /** 503: the store could not commit or confirm a write; the caller retries (a retry is a replay). */
  | 'unavailable'
  | 'internal';

export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

export interface ErrorBody {
  error: { code: string; message: string; details: unknown };
}

export function errorBody(code: string, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details } };
}

/** Field-level details from a zod error: [{path: "lines.0.amount", message}]. */
export function zodDetails(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): Array<{ path: string; message: string }> {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}
