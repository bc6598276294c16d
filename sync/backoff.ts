/**
 * Delay before retry number `attempt` (0 = the first retry): exponential from `baseMs`, capped at `maxMs`, with
 * "full jitter" (a uniform draw below the exponential), so stores that lost central together do not return
 * together. `random` is in [0, 1).
 */
export function retryDelayMs(attempt: number, opts: { baseMs: number; maxMs: number; random: () => number }): number {
  const ceiling = Math.min(opts.maxMs, opts.baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(opts.random() * ceiling);
}
