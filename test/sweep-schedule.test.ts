import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../server/kernel/clock.ts';
import { scheduleDailySweep } from '../server/orchestration/sweep-schedule.ts';
import { createTestAppliance, type TestAppliance } from './support/test-appliance.ts';
import { collectingLogger, type LogLine } from './support/log-lines.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

/** Starts the schedule as the server does, lets its first tick finish (its steps and the log line), and returns what it logged. */
async function start(): Promise<LogLine[]> {
  const lines: LogLine[] = [];
  const timer = scheduleDailySweep(t.deps, collectingLogger(lines));
  clearInterval(timer);
  for (let waited = 0; lines.length === 0 && waited < 5000; waited += 5) await new Promise((r) => setTimeout(r, 5));
  return lines;
}

describe('daily sweep schedule', () => {
  it('sweeps once per store-local day, also across restarts', async () => {
    expect(await start()).toEqual([expect.objectContaining({ level: 'info', event: 'sweep.finished', day: '2026-11-22', stage_changes: expect.any(Number) })]);
    // A restart on the same day does not sweep again.
    expect(await start()).toEqual([expect.objectContaining({ event: 'sweep.skipped', reason: 'already_done_today', day: '2026-11-22' })]);
    // The next day it does.
    t.clock.advance(DAY_MS);
    expect(await start()).toEqual([expect.objectContaining({ event: 'sweep.finished', day: '2026-11-23' })]);
  });
});
