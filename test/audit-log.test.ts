import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addStaff } from '../server/auth/staff.service.ts';
import { auditPageSchema, type AuditPage } from '../server/contract/audit.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { sessionSchema } from '../server/contract/session.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { seedDemoStore } from '../server/demo/seed-demo-store.ts';
import { ingestDepsFrom } from '../server/orchestration/apply-transaction.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { createTestAppliance, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
let clerkStaffId: string;
beforeEach(async () => {
  t = createTestAppliance({ env: { AUDIT_KEEP_DAYS: '30' } });
  clerkStaffId = (await addStaff(t.deps.sqlite, { name: 'Wang Fang', role: 'clerk', pin: '1234' }, t.clock())).id;
});
afterEach(() => t.close());

const bearer = (token: string) => ({ role: null, headers: { authorization: `Bearer ${token}` } });
const tokenIdOf = (role: string) => (t.deps.sqlite.query('SELECT id FROM api_tokens WHERE name = ?').get(role) as { id: string }).id;
const auditRows = () => t.deps.sqlite.query('SELECT count(*) AS n FROM audit_log').get() as { n: number };

async function register(card: string, name: string): Promise<string> {
  const res = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: card, phone: '13812345678', name } }, customerCardSchema);
  expect(res.status).toBe(201);
  return res.body.id;
}

async function audit(query: string, role: 'manager' | 'admin' = 'manager'): Promise<AuditPage> {
  const res = await t.call('GET', `/api/v1/audit${query}`, { role }, auditPageSchema);
  expect(res.status).toBe(200);
  return res.body;
}

describe('the audit log of personal data reads', () => {
  it('records a profile read by a staff session and one by a token, each with who, when, which customer and the route', async () => {
    const id = await register('88001234', 'Zhao Min');
    const session = sessionSchema.parse((await t.call('POST', '/api/v1/session', { role: null, body: { name: 'Wang Fang', pin: '1234' } })).body);

    t.clock.advance(60_000);
    expect((await t.call('GET', `/api/v1/customers/${id}`, bearer(session.token))).status).toBe(200);
    t.clock.advance(60_000);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001234', { role: 'clerk' })).status).toBe(200);
    // Nothing answered, nothing recorded (the per-credential cap is what stops a walk through card numbers).
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88009999', { role: 'clerk' })).status).toBe(404);

    const page = await audit(`?customer_id=${id}`);
    expect(page.entries.map(({ id: _, ...e }) => e)).toEqual([
      { at: new Date(t.clock()).toISOString(), actor: { kind: 'token', id: tokenIdOf('clerk'), role: 'clerk' }, action: 'profile.read', customer_id: id, route: 'GET /api/v1/customers/lookup' },
      { at: new Date(t.clock() - 60_000).toISOString(), actor: { kind: 'staff', id: clerkStaffId, role: 'clerk' }, action: 'profile.read', customer_id: id, route: 'GET /api/v1/customers/:id' },
      // The registration answered the new customer's card: a read too.
      { at: new Date(t.clock() - 120_000).toISOString(), actor: { kind: 'token', id: tokenIdOf('clerk'), role: 'clerk' }, action: 'profile.read', customer_id: id, route: 'POST /api/v1/customers' },
    ]);
    expect(page.next_cursor).toBeNull();

    // By actor: the staff member's reads alone.
    expect((await audit(`?actor=${clerkStaffId}`)).entries.map((e) => e.route)).toEqual(['GET /api/v1/customers/:id']);
    // By time: [since, until).
    const since = new Date(t.clock() - 60_000).toISOString();
    expect((await audit(`?since=${since}&until=${new Date(t.clock()).toISOString()}`)).entries.map((e) => e.actor.kind)).toEqual(['staff']);
  });

  it('lets managers and admins read it; every other role gets 403, no token 401', async () => {
    await register('88001234', 'Zhao Min');
    await audit('', 'manager');
    await audit('', 'admin');
    for (const role of ['clerk', 'terminal', 'hq'] as const) expect((await t.call('GET', '/api/v1/audit', { role })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/audit', { role: null })).status).toBe(401);
    expect((await t.call('GET', '/api/v1/audit?cursor=abc', { role: 'manager' })).status).toBe(422);
    expect((await t.call('GET', '/api/v1/audit?limit=0', { role: 'manager' })).status).toBe(422);
  });

  it('pages newest first with a cursor that stays put while more reads are recorded', async () => {
    const id = await register('88001234', 'Zhao Min');
    for (let i = 0; i < 4; i++) await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' });
    const first = await audit('?limit=2');
    expect(first.entries).toHaveLength(2);
    await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }); // a newer row, above the first page
    const second = await audit(`?limit=2&cursor=${first.next_cursor}`);
    const third = await audit(`?limit=2&cursor=${second.next_cursor}`);
    expect(third.next_cursor).toBeNull();
    const ids = [...first.entries, ...second.entries, ...third.entries].map((e) => e.id);
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(5); // the registration and four reads, each once
  });

  it('records search candidates one by one and an audience export one row per customer with its filter; keeps ids only, through an erasure', async () => {
    const id = await register('88001234', 'Zhao Min');
    await t.call('PATCH', `/api/v1/customers/${id}`, { role: 'clerk', body: { consent: { sms: true } } });
    expect((await t.call('GET', '/api/v1/customers/search?phone_last4=5678', { role: 'clerk' })).status).toBe(200);
    expect((await t.call('GET', '/api/v1/audiences/export?channel=sms', { role: 'manager' })).status).toBe(200);
    const actions = (await audit('')).entries.map((e) => [e.action, e.customer_id]);
    expect(actions.slice(0, 3)).toEqual([
      ['audience.export', id],
      ['customer.search', id],
      ['profile.read', id], // the PATCH's answer
    ]);

    expect((await t.call('DELETE', `/api/v1/customers/${id}`, { role: 'manager' })).status).toBe(200);
    const kept = await audit(`?customer_id=${id}`);
    expect(kept.entries.length).toBe(4);
    expect(kept.entries[0]!.route).toBe('GET /api/v1/audiences/export?channel=sms');
    const stored = JSON.stringify(t.deps.sqlite.query('SELECT * FROM audit_log').all());
    for (const value of ['Zhao Min', '88001234', '5678', 'sa_']) expect(stored).not.toContain(value);
  });

  it('records every customer of an audience of thousands once each, written in several batches', async () => {
    seedDemoStore(ingestDepsFrom(t.deps), { customers: 6000, months: 1, seed: 3, now: t.clock(), storeId: 'S001', timeZone: 'Asia/Shanghai', phoneRegion: 'CN' });
    const res = await t.app.request('/api/v1/audiences/export?channel=sms', { headers: { authorization: `Bearer ${t.tokens.manager}` } });
    expect(res.status).toBe(200);
    const exported = (await res.text()).trim().split('\n').slice(1).map((line) => line.split(',')[0]!);
    expect(exported.length).toBeGreaterThan(2000); // more than one batch of the audit trail (FLUSH_AT_ROWS)
    await t.deps.audit.flush();
    const rows = t.deps.sqlite
      .query<{ customer_id: string; route: string }, []>("SELECT customer_id, route FROM audit_log WHERE action = 'audience.export' ORDER BY id")
      .all();
    expect(rows.map((r) => r.customer_id)).toEqual(exported);
    expect(new Set(rows.map((r) => r.route))).toEqual(new Set(['GET /api/v1/audiences/export?channel=sms']));
  }, 60_000);

  it('records each presence event a tablet is sent, with the customer it names', async () => {
    const id = await register('88001234', 'Zhao Min');
    const controller = new AbortController();
    const res = await t.app.request('/api/v1/events', { headers: { authorization: `Bearer ${t.tokens.clerk}` }, signal: controller.signal });
    const reader = res.body!.getReader();
    let received = '';
    const decoder = new TextDecoder();
    expect((await t.call('POST', '/api/v1/presence', { role: 'terminal', body: { terminal_id: 'T01', customer: { loyalty_card: '88001234' } } })).status).toBe(202);
    while (!received.includes('event: presence')) received += decoder.decode((await reader.read()).value, { stream: true });
    controller.abort();
    await reader.cancel().catch(() => undefined);
    const entry = (await audit('?limit=1')).entries[0];
    expect(entry).toMatchObject({ action: 'presence.event', customer_id: id, route: 'GET /api/v1/events', actor: { kind: 'token', id: tokenIdOf('clerk') } });
  });

  it('is pruned by the daily sweep after AUDIT_KEEP_DAYS', async () => {
    const id = await register('88001234', 'Zhao Min');
    await audit('');
    t.clock.advance(29 * DAY_MS);
    await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' });
    await audit('');
    expect(auditRows().n).toBe(2);
    t.clock.advance(DAY_MS + 1);
    expect(runDailySweep(sweepDepsFrom(t.deps), t.clock()).auditPruned).toBe(1);
    expect((await audit('')).entries.map((e) => e.route)).toEqual(['GET /api/v1/customers/:id']);
  });
});
