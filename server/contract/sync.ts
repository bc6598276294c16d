import * as z from 'zod';

const instant = z.string().nullable();
const int = z.number().int();

/** GET /sync/status: where this store's sync with central stands (manager). */
export const syncStatusSchema = z.object({
  /** False when CENTRAL_URL and SYNC_TOKEN are not set: the store runs alone. */
  enabled: z.boolean(),
  central_url: z.string().nullable(),
  push: z.object({
    /** The last change central acknowledged, and the store's last change: the difference is still to send. */
    cursor: int,
    last_seq: int,
    lag_changes: int,
    /** Seconds since the last successful push while changes wait; 0 when central has them all. */
    lag_seconds: int,
    last_success_at: instant,
    last_error: z.string().nullable(),
    last_error_at: instant,
    /** This store's clock minus central's at the last push when beyond the bound (then central flags its changes). */
    clock_skew_ms: int.nullable(),
  }),
  pull: z.object({
    /** The last item of central's outbox for this store that the store applied. */
    cursor: int,
    last_success_at: instant,
    last_error: z.string().nullable(),
    last_error_at: instant,
  }),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;
