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
  /** The store's last change-log number. */
  lastSeq(): number;
  /** After a restore not yet settled with central: the backup's last change-log number (null otherwise). */
  restoredFrom(): number | null;
  /**
   * Central holds numbers up to `centralCursor` that are not the store's facts after `storeSeq` (null: the
   * log's last number; a restore threw them away): the store renumbers its facts after `storeSeq` to follow `centralCursor`, in one transaction,
   * and settles the restore. Null when central is not ahead after all (checked again inside the transaction).
   */
  moveLogPast(storeSeq: number | null, centralCursor: number): LogMove | null;
  /** The restore is settled: central held nothing after the backup's last number. */
  settleRestore(): void;
}

/** A move of the store's change log past central's cursor (after a restore). */
export interface LogMove {
  centralCursor: number;
  storeSeq: number;
  /** Facts renumbered to follow central's cursor. */
  moved: number;
}

export interface PushRun {
  /** Central's cursor for the store at the end. */
  cursor: number;
  /** Changes central applied during the run. */
  applied: number;
  batches: number;
  /** The store's clock skew central reported on the last push (null: within the bound). */
  clockSkewMs: number | null;
  /** The store's log was moved past central's cursor during the run (after a restore). */
  moved: LogMove | null;
}

/**
 * Pushes until central has every change the store had when the run began (and what arrived meanwhile, up to
 * `maxBatches`). A gap answer moves the cursor back (or forward) to central's and goes on from there: central
 * restored from an older backup gets the missing changes again, a store whose saved cursor was lost skips
 * what central has. A failure to reach central throws; the cursor saved so far stands.
 *
 * A central cursor beyond what the store's log holds means the store was restored from a backup: central has
 * numbers the store reuses for other facts. The store's log then moves past central's cursor (moveLogPast)
 * before anything numbered after the backup is sent. After `cli restore` the first push sends no change, only
 * asks central's cursor after the backup's last number; without that record (a database copied back by hand)
 * a cursor beyond the store's last number is the sign, and only the numbering of new facts is moved.
 */
export async function pushUntilCaughtUp(port: StorePushPort, maxBatches = 10_000): Promise<PushRun> {
  let cursor = port.loadCursor();
  const run: PushRun = { cursor, applied: 0, batches: 0, clockSkewMs: null, moved: null };
  const restoredFrom = port.restoredFrom();
  if (restoredFrom !== null) {
    const answer = await port.send({ ...port.batchAfter(restoredFrom), changes: [] });
    run.batches++;
    const central = 'gap' in answer ? answer.gap : answer.ack.cursor;
    run.moved = central > restoredFrom ? port.moveLogPast(restoredFrom, central) : null;
    if (!run.moved) port.settleRestore();
    cursor = central;
    port.saveCursor(cursor);
  }
  let gaps = 0;
  while (run.batches < maxBatches) {
    const batch = port.batchAfter(cursor);
    const answer = await port.send(batch);
    run.batches++;
    const central = 'gap' in answer ? answer.gap : answer.ack.cursor;
    if (central > port.lastSeq()) {
      run.moved = port.moveLogPast(null, central) ?? run.moved;
      cursor = central;
      port.saveCursor(cursor);
      continue;
    }
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
