import { ApiError } from '../api/api-error.ts';

/** The store server gave no usable answer (no connection, or it failed): the tablet's kept copy may stand in. */
export function isUnreachable(error: unknown): boolean {
  return error instanceof ApiError && (error.kind === 'network' || error.status >= 500);
}
