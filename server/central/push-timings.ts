/**
 * Where one push's time went at central (ms per step: reading the body, inflating, JSON, validation, each part
 * of the apply), sent back as a standard `Server-Timing` header so a store or bench:sync can see it. Steps
 * nest: `apply` includes its parts.
 */
export class PushTimings {
  readonly steps = new Map<string, number>();

  add(step: string, ms: number): void {
    this.steps.set(step, (this.steps.get(step) ?? 0) + ms);
  }

  timeSync<T>(step: string, run: () => T): T {
    const t0 = performance.now();
    try {
      return run();
    } finally {
      this.add(step, performance.now() - t0);
    }
  }

  async time<T>(step: string, run: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await run();
    } finally {
      this.add(step, performance.now() - t0);
    }
  }

  header(): string {
    return [...this.steps].map(([step, ms]) => `${step};dur=${ms.toFixed(2)}`).join(', ');
  }
}

/** A Server-Timing header back into ms per step (unknown entries ignored). */
export function parseServerTiming(header: string | null): Map<string, number> {
  const steps = new Map<string, number>();
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*([\w-]+);dur=([\d.]+)\s*$/.exec(part);
    if (m) steps.set(m[1]!, Number(m[2]));
  }
  return steps;
}
