import type { Database } from 'bun:sqlite';

/**
 * Runs each step of a stepwise job (db/sweep-steps.ts runStepwise) as a transaction of its own, as the server's
 * write queue does, and keeps how long each took (ms): the longest is the longest a POS sale would wait.
 */
export function timedSteps(sqlite: Database): { run: <T>(work: () => T) => Promise<T>; stepMs: number[] } {
  const stepMs: number[] = [];
  const run = async <T>(work: () => T): Promise<T> => {
    const t = performance.now();
    const value = sqlite.transaction(work)();
    stepMs.push(performance.now() - t);
    return value;
  };
  return { run, stepMs };
}
