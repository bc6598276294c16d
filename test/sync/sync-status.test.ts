import { createServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { syncStatusSchema } from '../../server/contract/sync.ts';
import { dbPath } from '../../server/db/open.ts';
import { startSyncAgent, type SyncAgent } from '../../server/orchestration/sync-agent.ts';
import { createTestAppliance, sale, type TestAppliance } from '../support/test-appliance.ts';
import { silentLogger } from '../../server/kernel/log.ts';

/* GET /api/v1/sync/status on a store: off when the store runs alone; with central down, the lag and the error. */

let t: TestAppliance | undefined;
let agent: SyncAgent | null = null;
afterEach(() => {
  agent?.stop();
  t?.close();
});

/** A loopback port nothing listens on. */
function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const srv = createServer().listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe('sync status', () => {
  it('says sync is off for a store without CENTRAL_URL, and is for managers only', async () => {
    t = createTestAppliance();
    const res = await t.call('GET', '/api/v1/sync/status', { role: 'manager' }, syncStatusSchema);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ enabled: false, central_url: null, push: { cursor: 0, last_error: null }, pull: { cursor: 0 } });
    expect((await t.call('GET', '/api/v1/sync/status', { role: 'clerk' })).status).toBe(403);
  });

  it('shows the changes waiting and why they wait when central cannot be reached', async () => {
    const port = await closedPort();
    t = createTestAppliance({ env: { CENTRAL_URL: `http://127.0.0.1:${port}`, SYNC_TOKEN: 'ss_S001_not-reachable-anyway', CHAIN_SECRET: 'chain-secret-for-tests-0123456789', SYNC_INTERVAL_S: '1' } });
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale() })).status).toBe(201);
    agent = startSyncAgent(t.deps, dbPath(t.deps.config.DATA_DIR), silentLogger);
    let status = (await t.call('GET', '/api/v1/sync/status', { role: 'manager' }, syncStatusSchema)).body;
    for (let i = 0; i < 50 && (status.push.last_error === null || status.pull.last_error === null); i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await t.call('GET', '/api/v1/sync/status', { role: 'manager' }, syncStatusSchema)).body;
    }
    expect(status.enabled).toBe(true);
    expect(status.push.lag_changes).toBe(status.push.last_seq);
    expect(status.push.lag_changes).toBeGreaterThan(0);
    expect(status.push.last_error).toContain('cannot be reached');
    expect(status.pull.last_error).toContain('cannot be reached');
    expect(status.push.last_success_at).toBeNull();
  });
});
