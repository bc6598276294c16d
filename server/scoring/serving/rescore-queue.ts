import { rescoreCustomers, type ScoringDeps } from './scores.service.ts';
import { errorFields, type Logger } from '../../kernel/log.ts';

/*
 * "Rescore this customer" after each of their transactions, off the POS path: the answer to the
 * terminal never waits for a model. Customer ids collect for a moment and are scored together (one
 * ONNX run per model for the lot); a customer enqueued while a run is going is scored in the next one.
 * The server's engine scores a batch on its own thread and the event loop only stores the rows; a batch of
 * one customer, which only happens while sales come less often than every 25 ms, it scores on the event
 * loop instead (hybrid-score-engine.ts). On a 2-core box the scoring thread still
 * competes with the POS for CPU, so after a batch that took t ms the next starts no sooner than t later:
 * scoring takes at most about half a core. Under a rush scores lag (each carries its scored_at); sales
 * never wait behind more than one customer's scoring.
 */

export interface RescoreQueue {
  enqueue(customerId: string): void;
  /** Resolves when everything enqueued so far has been scored (tests, shutdown). */
  idle(): Promise<void>;
}

export function createRescoreQueue(
  deps: ScoringDeps,
  clock: () => number,
  opts: { delayMs?: number; maxBatch?: number; log?: Logger } = {},
): RescoreQueue {
  const delayMs = opts.delayMs ?? 25;
  // Scoring costs a few hundred µs per customer (bench/RESULTS.md, bench:scoring): a batch of 100 is tens of
  // ms of the scoring thread, stored 25 rows a write.
  const maxBatch = opts.maxBatch ?? 100;
  let pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();
  let lastBatchMs = 0;

  const schedule = () => {
    timer ??= setTimeout(runNow, Math.max(delayMs, lastBatchMs));
  };

  const runNow = () => {
    timer = null;
    const ids: string[] = [];
    for (const id of pending) {
      if (ids.length === maxBatch) break;
      ids.push(id);
    }
    for (const id of ids) pending.delete(id);
    running = running
      .then(async () => {
        const t0 = performance.now();
        await rescoreCustomers(deps, ids, clock());
        lastBatchMs = performance.now() - t0;
      })
      .then(
        () => undefined,
        (error: unknown) => opts.log?.error('scoring.rescore_failed', { customers: ids.length, ...errorFields(error) }),
      )
      .finally(() => {
        if (pending.size > 0) schedule();
      });
  };

  return {
    enqueue(customerId) {
      pending.add(customerId);
      schedule();
    },
    async idle() {
      while (timer || pending.size > 0) {
        if (timer) clearTimeout(timer);
        runNow();
        await running;
      }
      await running;
    },
  };
}
