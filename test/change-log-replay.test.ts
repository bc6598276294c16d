import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'bun:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customerActionsSchema } from '../server/contract/actions.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { lastSeq, readChanges, replayChanges } from '../server/db/change-log.ts';
import { openDb } from '../server/db/open.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { rebuildEverything } from '../server/orchestration/rebuild.ts';
import { derivedSnapshot } from './fault/store-checks.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
let freshDir: string;
beforeEach(() => {
  t = createTestAppliance({ now: '2026-11-22T09:00:00+08:00' });
  freshDir = mkdtempSync(join(tmpdir(), 'replay-'));
});
afterEach(() => {
  t.close();
  rmSync(freshDir, { recursive: true, force: true });
});

const bob = { loyalty_card: '66000042', phone: '139 1234 5678', email: 'bob.li@example.cn', name: 'Bob Li', birthday: '1985-03-14' };
const BOB_VALUES = ['66000042', '+8613912345678', '13912345678', 'bob.li@example.cn', 'Bob Li', '1985-03-14', '13700001111', 'Robert Li', 'so-so, the kettle leaks'];

/** The whole derived view: the customer view, who owns each fact, and every table a rebuild recomputes. */
function view(db: Database) {
  return {
    ...derivedSnapshot(db),
    lifecycleFull: db
      .query('SELECT customer_id, stage, since, joined_at, purchase_count, first_purchase_at, last_purchase_at, median_gap_ms, active_since, second_purchase_at FROM customer_lifecycle ORDER BY customer_id')
      .all(),
    catalog: db.query('SELECT sku, name, category, first_sold_at, last_sold_at, previous_sold_at FROM catalog_items ORDER BY sku').all(),
  };
}

/** A day at the store: registrations, sales, an anonymous sale, a shadow customer merged in, a return, a profile change, an outcome, an erasure. */
async function dayOfTraffic() {
  let receipt = 0;
  const at = () => new Date(t.clock()).toISOString();
  const post = async (body: Record<string, unknown>) => {
    t.clock.advance(17 * 60_000);
    const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ receipt_no: `R${++receipt}`, occurred_at: at(), ...body }) }, ingestResultSchema);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body;
  };
  const alice = await t.call(
    'POST',
    '/api/v1/customers',
    { role: 'clerk', body: { loyalty_card: '88001234', phone: '13800000000', name: 'Alice Wang', consent: { sms: true, call: false } } },
    customerCardSchema,
  );
  const bobReg = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { ...bob, consent: { email: true } } }, customerCardSchema);
  expect([alice.status, bobReg.status]).toEqual([201, 201]);
  const aliceId = alice.body.id;
  const bobId = bobReg.body.id;

  await post({ customer: { loyalty_card: '88001234' } });
  const bobSale = await post({ customer: { loyalty_card: '66000042' } });
  await post({}); // anonymous
  const shadow = await post({ customer: { member_id: 'M-77000099' } }); // a member id nobody registered: a shadow customer
  expect(shadow.customer_id).not.toBe(aliceId);
  // Alice's card and the shadow's member id on one sale: the shadow customer is folded into Alice (the card is stronger).
  const merged = await post({ customer: { loyalty_card: '88001234', member_id: 'M-77000099' } });
  expect(merged.customer_id).toBe(aliceId);
  const ret = await post({ kind: 'return', original: { terminal_id: 'T01', receipt_no: 'R2' }, customer: undefined });
  expect(ret.customer_id).toBe(bobId);
  expect(bobSale.customer_id).toBe(bobId);

  t.clock.advance(DAY_MS / 24);
  const patch = await t.call('PATCH', `/api/v1/customers/${bobId}`, { role: 'clerk', body: { phone: '13700001111', name: 'Robert Li' } });
  expect(patch.status).toBe(200);
  const actions = await t.call('GET', `/api/v1/customers/${bobId}/actions`, { role: 'clerk' }, customerActionsSchema);
  const first = actions.body.actions[0];
  expect(first).toBeDefined();
  const outcome = await t.call('POST', `/api/v1/actions/${first!.id}/outcome`, {
    role: 'clerk',
    body: { outcome: 'done', survey_answer: 'so-so, the kettle leaks' },
  });
  expect(outcome.status).toBe(200);
  await post({ customer: { phone: '13800000000' } });
  t.clock.advance(DAY_MS / 24);
  expect((await t.call('DELETE', `/api/v1/customers/${bobId}`, { role: 'manager' })).status).toBe(200);
  await post({ customer: { loyalty_card: '88001234' } });
  t.clock.advance(DAY_MS / 2);
  runDailySweep(sweepDepsFrom(t.deps), t.clock());
  return { aliceId, bobId };
}

describe('the change log', () => {
  it('numbers every fact once, in order, without gaps', async () => {
    await dayOfTraffic();
    const n = (sql: string) => (t.deps.sqlite.query(sql).get() as { n: number }).n;
    const facts = n('SELECT count(*) AS n FROM transactions') + n('SELECT count(*) AS n FROM loyalty_ledger') + n('SELECT count(*) AS n FROM customer_events');
    expect(lastSeq(t.deps.sqlite)).toBe(facts);
    expect(n('SELECT count(DISTINCT kind || ref) AS n FROM change_log')).toBe(facts);
    expect(n('SELECT min(seq) AS n FROM change_log')).toBe(1);
    const kinds = t.deps.sqlite.query('SELECT DISTINCT kind FROM change_log ORDER BY kind').all();
    expect(kinds).toEqual([{ kind: 'event' }, { kind: 'ledger' }, { kind: 'transaction' }]);
    // Read in pages, as sync will: the pages join up into the whole log.
    const pages = [readChanges(t.deps.sqlite, 0, 7), readChanges(t.deps.sqlite, 7, 1000)].flat();
    expect(pages.map((c) => c.seq)).toEqual(Array.from({ length: facts }, (_, i) => i + 1));
  });

  it('replayed into a fresh database and rebuilt, gives the same view as `cli rebuild` of the store', async () => {
    const { aliceId, bobId } = await dayOfTraffic();
    const db = t.deps.sqlite;
    const incremental = view(db);
    expect(incremental.customers.length).toBeGreaterThanOrEqual(3);
    expect(incremental.customers.some((c) => (c as { merged_into: string | null }).merged_into === aliceId)).toBe(true);

    rebuildEverything(t.deps, t.clock());
    const rebuilt = view(db);
    expect(rebuilt).toEqual(incremental);

    const fresh = openDb(join(freshDir, 'store.db'));
    try {
      const changes = readChanges(db, 0, 100_000);
      fresh.transaction(() => replayChanges(fresh, changes))();
      rebuildEverything({ sqlite: fresh, lifecycle: t.deps.lifecycle }, t.clock());
      expect(view(fresh)).toEqual(rebuilt);
      expect(lastSeq(fresh)).toBe(changes.length);
    } finally {
      fresh.close();
    }
    // Bob is erased in the view and in the facts: none of his values is anywhere in the database.
    const everything = JSON.stringify([
      db.query('SELECT * FROM customers').all(),
      db.query('SELECT * FROM identity_links').all(),
      db.query('SELECT * FROM customer_events').all(),
      db.query('SELECT * FROM actions').all(),
    ]);
    for (const v of BOB_VALUES) expect(everything, v).not.toContain(v);
    expect(everything).toContain(bobId); // the pseudonym stays on his de-identified facts
    expect(everything).toContain('Alice Wang');
  });

  it('never rewrites a fact: a merge moves the owner, not who the fact was recorded for', async () => {
    const { aliceId } = await dayOfTraffic();
    const moved = t.deps.sqlite
      .query<{ n: number }, [string]>('SELECT count(*) AS n FROM transactions WHERE customer_id = ? AND recorded_customer_id <> customer_id')
      .get(aliceId);
    expect(moved?.n).toBe(1); // the shadow customer's sale
    const merge = t.deps.sqlite
      .query<{ data: string }, [string]>("SELECT data FROM customer_events WHERE kind = 'merged' AND recorded_customer_id = ?")
      .get(aliceId);
    expect(JSON.parse(merge!.data)).toMatchObject({ reason: 'transaction' });
  });
});
