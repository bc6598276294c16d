/**
 * Failed sign-ins counted per name and per device (in memory: a restart forgets them, which only helps
 * whoever restarts the box). After `maxFailures` within the lock window a key is locked for `lockMs`;
 * a success clears its name's and device's counts.
 */
export function createSignInLimiter(opts: { maxFailures: number; lockMs: number }) {
  const entries = new Map<string, { failures: number; first: number; lockedUntil: number }>();
  const MAX_KEYS = 10_000;

  function lockedUntil(keys: readonly string[], now: number): number | null {
    let until: number | null = null;
    for (const k of keys) {
      const e = entries.get(k);
      if (e && e.lockedUntil > now && (until === null || e.lockedUntil > until)) until = e.lockedUntil;
    }
    return until;
  }

  function fail(keys: readonly string[], now: number): void {
    if (entries.size > MAX_KEYS) for (const [k, e] of entries) if (e.lockedUntil <= now && now - e.first > opts.lockMs) entries.delete(k);
    for (const k of keys) {
      const e = entries.get(k);
      const fresh = !e || now - e.first > opts.lockMs;
      const next = fresh ? { failures: 1, first: now, lockedUntil: 0 } : { ...e, failures: e.failures + 1 };
      if (next.failures >= opts.maxFailures) next.lockedUntil = now + opts.lockMs;
      entries.set(k, next);
    }
  }

  function succeed(keys: readonly string[]): void {
    for (const k of keys) entries.delete(k);
  }

  return { lockedUntil, fail, succeed };
}

export type SignInLimiter = ReturnType<typeof createSignInLimiter>;
