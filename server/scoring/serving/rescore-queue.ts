import { rescoreCustomers, type ScoringDeps } from './scores.service.ts';

/*
 * "Rescore this customer" after each of their transactions, off the POS path: the answer to the
 * terminal never waits for a model. Customer ids collect for a moment and are scored together (one
 * ONNX run per model for the lot); a customer enqueued while a run is going is scored in the next one.
 */

export interface RescoreQueue {
  enqueue(customerId: string): void;
  /** Resolves when everything enqueued so far has been scored (tests, shutdown). */
  idle(): Promise<void>;
}

export function createRescoreQueue(
  deps: ScoringDeps,
  clock: () => number,
  opts: { delayMs?: number; log?: (line: string) => void } = {},
): RescoreQueue {
  const delayMs = opts.delayMs ?? 25;
  let pending = new Set<string>();
  let timer: ReturnType<typeof setTimeout> | null = null;
  let running: Promise<void> = Promise.resolve();

  const runNow = () => {
    timer = null;
    const ids = pending;
    pending = new Set();
    running = running
      .then(() => rescoreCustomers(deps, ids, clock()))
      .then(
        () => undefined,
        (error: unknown) => opts.log?.(`rescore of ${ids.size} customers failed: ${error instanceof Error ? error.message : String(error)}`),
      );
  };

  return {
    enqueue(customerId) {
      pending.add(customerId);
      timer ??= setTimeout(runNow, delayMs);
    },
    async idle() {
      if (timer) {
        clearTimeout(timer);
        runNow();
      }
      await running;
    },
  };
}
