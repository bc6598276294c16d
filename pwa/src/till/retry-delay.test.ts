import { describe, expect, it } from 'vitest';
import { retryDelay } from './event-stream.ts';

describe('retryDelay', () => {
  it('waits between half the hint and the hint on the first failure', () => {
    expect(retryDelay(2000, 0, () => 0)).toBe(1000);
    expect(retryDelay(2000, 0, () => 1)).toBe(2000);
  });

  it('doubles the ceiling with each failure, up to 30 s, never below half the hint', () => {
    expect(retryDelay(2000, 2, () => 1)).toBe(8000);
    expect(retryDelay(2000, 20, () => 1)).toBe(30_000);
    expect(retryDelay(2000, 20, () => 0)).toBe(1000);
  });
});
