import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../server/kernel/clock.ts';
import { scheduleDailySweep } from '../server/orchestration/sweep-schedule.ts';
import { createTestAppliance, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

/** Starts the schedule as the server does, lets its first tick finish (its steps and the log line), and returns what it logged. */
async function start(): Promise<string[]> {
  const lines: string[] = [];
  const timer = scheduleDailySweep(t.deps, (l) => lines.push(l));
  clearInterval(timer);
  for (let waited = 0; lines.length === 0 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  return lines;
}

describe('daily sweep schedule', () => {
  it('sweeps once per store-local day, also across restarts', async () => {
    expect((await start()).join('\n')).toMatch(/^daily sweep: \d+ stage changes/);
    // A restart on the same day does not sweep again.
    expect(await start()).toEqual([`daily sweep: already done today (2026-11-22)`]);
    // The next day it does.
    t.clock.advance(DAY_MS);
    expect((await start()).join('\n')).toMatch(/^daily sweep: \d+ stage changes/);
  });
});
