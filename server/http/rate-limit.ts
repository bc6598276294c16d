import type { Context } from 'hono';
import type { Clock } from '../kernel/clock.ts';
import { AppError } from '../kernel/errors.ts';

/**
 * A fixed budget of calls per key (a credential) in a sliding window, in memory. `take` answers null
 * when the call may go ahead, else how many ms until it may.
 */
export function createRateLimiter(opts: { limit: number; windowMs: number; clock: Clock }) {
  const calls = new Map<string, number[]>();
  return function take(key: string): number | null {
    const now = opts.clock();
    const recent = (calls.get(key) ?? []).filter((at) => at > now - opts.windowMs);
    if (recent.length >= opts.limit) {
      calls.set(key, recent);
      return recent[0]! + opts.windowMs - now;
    }
    recent.push(now);
    calls.set(key, recent);
    if (calls.size > 10_000) for (const [k, v] of calls) if (v.every((at) => at <= now - opts.windowMs)) calls.delete(k);
    return null;
  };
}

/** Spends one call of `key`'s budget, or throws the 429 (with Retry-After, in whole seconds) that says when to retry. */
export function spendOr429(take: (key: string) => number | null, key: string, c: Context, message: string): void {
  const waitMs = take(key);
  if (waitMs === null) return;
  const retryAfterS = Math.max(1, Math.ceil(waitMs / 1000));
  c.header('Retry-After', String(retryAfterS));
  throw new AppError(429, 'rate_limited', message, { retry_after_s: retryAfterS });
}
