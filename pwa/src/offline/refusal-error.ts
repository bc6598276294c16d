import { ApiError } from '../api/api-error.ts';
import type { Refusal } from './offline-db.ts';

/** A stored refusal as the error the banners know how to word. */
export function refusalError(r: Refusal): ApiError {
  return new ApiError(r.status === 0 ? 'unexpected' : 'http', r.status, r.code, r.message, r.details);
}
