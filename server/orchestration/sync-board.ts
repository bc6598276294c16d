/** One direction's last outcome, as the sync agent reports it (times epoch ms). */
export interface SyncRun {
  at: number;
  ok: boolean;
  error: string | null;
  cursor: number | null;
  clockSkewMs: number | null;
}

/**
 * What the store's sync agent last did, kept in memory for GET /sync/status (a restart starts it empty; the
 * cursors themselves are on disk).
 */
export interface SyncBoard {
  record(direction: 'push' | 'pull', run: SyncRun): void;
  last(direction: 'push' | 'pull'): { run: SyncRun | null; success: SyncRun | null; failure: SyncRun | null };
}

export function createSyncBoard(): SyncBoard {
  const state = { push: { run: null, success: null, failure: null }, pull: { run: null, success: null, failure: null } } as Record<
    'push' | 'pull',
    { run: SyncRun | null; success: SyncRun | null; failure: SyncRun | null }
  >;
  return {
    record(direction, run) {
      const s = state[direction];
      s.run = run;
      if (run.ok) s.success = run;
      else s.failure = run;
    },
    last: (direction) => ({ ...state[direction] }),
  };
}
