/**
 * Run as its own process by scoring-serving.test.ts (a crash of the process is what it looks for): starts
 * scoring everyone on the scoring thread and closes the engine while that chunk is still being scored,
 * as a shutdown during the nightly rescoring does. Prints one JSON line and exits 0 when nothing crashed.
 */
import { seedDemoStore } from '../../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../../server/orchestration/apply-transaction.ts';
import { chunkEnd } from '../../server/scoring/serving/db-history.ts';
import { createTestAppliance } from './test-appliance.ts';

const t = createTestAppliance({ env: { SCORING_WORKER: '1' } });
seedDemoStore(ingestDepsFrom(t.deps), { customers: 300, months: 6, seed: 11, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
await t.deps.models.reload();
const inFlight = t.deps.models.scoreRange('', chunkEnd(t.deps.sqlite, t.clock(), '', 1000)!, t.clock()).then(
  (chunk) => `scored ${chunk?.rows.length ?? 0}`,
  (error: unknown) => `failed: ${error instanceof Error ? error.message : String(error)}`,
);
await t.deps.models.close();
const outcome = await inFlight;
t.close();
console.log(JSON.stringify({ closed: true, outcome }));
