import type { PushAck, PushBatch } from '../protocol.ts';

/** What a store's push needs from its storage and its link to central. */
export interface StorePushPort {
  /** The cursor central acknowledged last (kept by the store; 0 before the first push). */
  loadCursor(): number;
  saveCursor(cursor: number): void;
  /** The next changes after `after` as a batch; none when the store has nothing newer. */
  batchAfter(after: number): PushBatch;
  /** Sends a batch to central: its acknowledgement, or the cursor central holds when the batch left a gap. */
  send(batch: PushBatch): Promise<{ ack: PushAck } | { gap: number }>;
}

export interface PushRun {
  /** Central's cursor for the store at the end. */
  cursor: number;
  /** Changes central applied during the run. */
  applied: number;
  batches: number;
  /** The store's clock skew central reported on the last push (null: within the bound). */
  clockSkewMs: number | null;
}

/**
 * Pushes until central has every change the store had when the run began (and what arrived meanwhile, up to
 * `maxBatches`). A gap answer moves the cursor back (or forward) to central's and goes on from there: central
 * restored from an older backup gets the missing changes again, a store whose saved cursor was lost skips
 * what central has. A failure to reach central throws; the cursor saved so far stands.
 */
export async function pushUntilCaughtUp(port: StorePushPort, maxBatches = 10_000): Promise<PushRun> {
  let cursor = port.loadCursor();
  const run: PushRun = { cursor, applied: 0, batches: 0, clockSkewMs: null };
  let gaps = 0;
  while (run.batches < maxBatches) {
    const batch = port.batchAfter(cursor);
    const answer = await port.send(batch);
    run.batches++;
    if ('gap' in answer) {
      // Two gaps in a row mean central and the store disagree about what exists: stop rather than loop.
      if (++gaps > 1 && answer.gap === cursor) throw new Error(`central keeps refusing the batch after ${cursor}`);
      cursor = answer.gap;
      port.saveCursor(cursor);
      continue;
    }
    gaps = 0;
    cursor = answer.ack.cursor;
    port.saveCursor(cursor);
    run.applied += answer.ack.applied;
    run.clockSkewMs = answer.ack.clock_skew_ms;
    if (batch.changes.length === 0) break;
  }
  run.cursor = cursor;
  return run;
}
