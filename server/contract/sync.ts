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
    /**
     * The last time central held more of this store's numbers than its log (a restore from a backup): the log
     * was moved past central's cursor. Central keeps the changes after `store_last_seq` up to `central_cursor`:
     * the facts the restore threw away here. Null: never happened.
     */
    restored_gap: z
      .object({ central_cursor: int, store_last_seq: int, moved_changes: int, at: z.string() })
      .nullable(),
  }),
  pull: z.object({
    /** The last item of central's outbox for this store that the store applied. */
    cursor: int,
    last_success_at: instant,
    last_error: z.string().nullable(),
    last_error_at: instant,
  }),
  /** The chain's settings from central: read at the start of the process only, so a newer one waits for a restart. */
  chain_settings: z.object({
    /** The version in effect (taken at this process's start); 0: none. */
    version: int,
    /** The newest version received from central (DATA_DIR/chain-config.json); 0: none. */
    received_version: int,
    /** A newer version was received than the one in effect: it applies at the store's next start. */
    pending: z.boolean(),
    /** Chain settings in effect, as central sent them (the variable's text). */
    applied: z.record(z.string(), z.string()),
    /** Chain settings this store's own environment overrides. */
    local_overrides: z.array(z.string()),
    /** Chain settings not taken (unknown to this release, a store's own setting, invalid, or against a rule across settings). */
    ignored: z.array(z.object({ key: z.string(), reason: z.string() })),
  }),
});
export type SyncStatus = z.infer<typeof syncStatusSchema>;
