import type { PullAnswer } from '../protocol.ts';

/** What a store's pull needs: its cursor in central's outbox, the link to central, and a way to apply items. */
export interface StorePullPort {
  loadCursor(): number;
  fetchAfter(after: number): Promise<PullAnswer>;
  /** Applies the items and keeps `answer.cursor` with them, in one local transaction. */
  apply(answer: PullAnswer): Promise<void>;
}

/** Pulls until central has nothing newer for the store; returns the cursor and how many items were applied. */
export async function pullUntilCaughtUp(port: StorePullPort, maxPulls = 10_000): Promise<{ cursor: number; applied: number }> {
  let cursor = port.loadCursor();
  let applied = 0;
  for (let n = 0; n < maxPulls; n++) {
    const answer = await port.fetchAfter(cursor);
    if (answer.items.length === 0) break;
    await port.apply(answer);
    applied += answer.items.length;
    cursor = answer.cursor;
  }
  return { cursor, applied };
}
