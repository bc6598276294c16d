import type { ErrorBody, ErrorCode, FieldIssue } from '../contract/errors.ts';
import { currentRequestId } from './request-context.ts';

/**
 * One error path: domain code throws AppError; the app's onError turns it into
 * `{error: {code, message, details, request_id}}` with its status. Anything else is a 500.
 */
export class AppError extends Error {
  constructor(
    readonly status: 400 | 401 | 403 | 404 | 409 | 410 | 413 | 415 | 422 | 429 | 500 | 503,
    readonly code: ErrorCode,
    message: string,
    readonly details: unknown = null,
  ) {
    super(message);
    this.name = 'AppError';
  }
}

/**
 * A refusal from code that is not behind HTTP (CLI, training, model files): a bad argument, a missing file,
 * a model that does not fit, a tool that failed. The CLI prints its message and exits non-zero.
 */
export class InputError extends Error {
  constructor(
    readonly code: 'invalid' | 'not_found' | 'failed',
    message: string,
  ) {
    super(message);
    this.name = 'InputError';
  }
}

export function errorBody(code: ErrorCode, message: string, details: unknown = null): ErrorBody {
  return { error: { code, message, details } };
}

/** The body of an error response: errorBody with the id of the request being answered (kernel/request-context.ts). */
export function errorResponseBody(code: ErrorCode, message: string, details: unknown = null): ErrorBody {
  const body = errorBody(code, message, details);
  const requestId = currentRequestId();
  if (requestId !== null) body.error.request_id = requestId;
  return body;
}

/** Field-level details from a zod error: [{path: "lines.0.amount", message}]. */
export function zodDetails(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): FieldIssue[] {
  return issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
}

/**
 * The database was written by a release newer than this one: it has applied migrations this release does not
 * know, so this release's queries may not fit it. Entry points refuse it with the message and exit code 2.
 */
export class NewerDatabaseError extends Error {
  constructor(
    readonly file: string,
    /** What the database has applied: its migration count and the time of its newest migration (epoch ms). */
    readonly database: { migrations: number; newestAt: number },
    /** What this release knows: its migration count and the tag of its newest migration. */
    readonly release: { migrations: number; newestTag: string },
  ) {
    super(
      `${file} was written by a newer release (${database.migrations} migrations, the newest from ${new Date(database.newestAt).toISOString()}); ` +
        `this release knows ${release.migrations}, up to ${release.newestTag}: run the newer release, or restore a backup made by this one`,
    );
    this.name = 'NewerDatabaseError';
  }
}
