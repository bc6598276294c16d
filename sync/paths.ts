/** Central's sync endpoints, relative to CENTRAL_URL. */
export const SYNC_PATHS = {
  /** POST a zstd- (or gzip-) compressed JSON PushBatch with the store's credential as bearer token. */
  push: '/api/sync/v1/push',
  /** GET ?after=<outbox id>&limit=: what central has for the store since. */
  pull: '/api/sync/v1/pull',
  /** GET `<models>/<version>/<file>`: a file of a published model set (a pull item of kind 'model' lists them). */
  models: '/api/sync/v1/models',
} as const;

/** Decompressed push bodies larger than this are refused (a small gzip body can inflate enormously). */
export const MAX_PUSH_INFLATED_BYTES = 256 * 1024 * 1024;
