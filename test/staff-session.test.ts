import { spawnSync } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { addStaff, disableStaff } from '../server/auth/staff.service.ts';
import { customerActionsSchema } from '../server/contract/actions.ts';
import { errorBodySchema } from '../server/contract/errors.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { sessionSchema } from '../server/contract/session.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(async () => {
  t = createTestAppliance();
  await addStaff(t.deps.sqlite, { name: 'Wang Fang', role: 'clerk', pin: '1234' }, t.clock());
  await addStaff(t.deps.sqlite, { name: 'Li Lei', role: 'manager', pin: '987654' }, t.clock());
});
afterEach(() => t.close());

const signIn = (name: string, pin: string, device_id?: string) => t.call('POST', '/api/v1/session', { role: null, body: { name, pin, device_id } });
const as = (token: string) => ({ role: null, headers: { authorization: `Bearer ${token}` } });
const tokenOf = async (name: string, pin: string) => sessionSchema.parse((await signIn(name, pin)).body).token;

describe('staff sign-in', () => {
  it('answers a session for the right name and PIN, whose token reads customers for the staff role only', async () => {
    const res = await signIn('  wang FANG ', '1234');
    expect(res.status).toBe(201);
    const session = sessionSchema.parse(res.body);
    expect(session).toMatchObject({ role: 'clerk', staff: { name: 'Wang Fang' }, idle_minutes: 5 });
    expect(session.token).toMatch(/^ss_/);
    await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '88001234', name: 'Alice' } });
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001234', as(session.token))).status).toBe(200);
    expect((await t.call('POST', '/api/v1/transactions', { ...as(session.token), body: sale() })).status).toBe(403);
    expect((await t.call('GET', '/api/v1/analytics/overview', as(session.token))).status).toBe(403);
    expect((await t.call('GET', '/api/v1/analytics/overview', as(await tokenOf('Li Lei', '987654')))).status).toBe(200);
  });

  it('refuses a wrong PIN or an unknown name alike, then locks the name with when to retry', async () => {
    const wrong = await signIn('Wang Fang', '0000');
    expect(wrong.status).toBe(401);
    expect(errorBodySchema.parse(wrong.body).error.code).toBe('unauthorized');
    expect((await signIn('Nobody', '1234')).status).toBe(401);
    for (let i = 0; i < 3; i++) expect((await signIn('Wang Fang', '1111')).status).toBe(401);
    const locked = await signIn('Wang Fang', '2222'); // the fifth failure
    expect(locked.status).toBe(429);
    expect(errorBodySchema.parse(locked.body).error).toMatchObject({ code: 'locked', details: { retry_after_s: 300 } });
    // Locked even with the right PIN, until the lock ends.
    expect((await signIn('Wang Fang', '1234')).status).toBe(429);
    t.clock.advance(5 * 60_000 + 1);
    expect((await signIn('Wang Fang', '1234')).status).toBe(201);
  });

  it('locks a device that tries many names', async () => {
    for (const name of ['a', 'b', 'c', 'd', 'e']) await signIn(name, '1234', 'tablet-0001');
    expect((await signIn('Wang Fang', '1234', 'tablet-0001')).status).toBe(429);
    expect((await signIn('Wang Fang', '1234', 'tablet-0002')).status).toBe(201);
  });

  it('ends a session after the idle time, at sign-out, and when the staff member is disabled', async () => {
    const token = await tokenOf('Wang Fang', '1234');
    t.clock.advance(4 * 60_000);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88009999', as(token))).status).toBe(404); // alive: touched
    t.clock.advance(5 * 60_000);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88009999', as(token))).status).toBe(401);

    const second = await tokenOf('Wang Fang', '1234');
    expect((await t.call('DELETE', '/api/v1/session', as(second))).status).toBe(204);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88009999', as(second))).status).toBe(401);

    const third = await tokenOf('Wang Fang', '1234');
    disableStaff(t.deps.sqlite, 'wang fang', t.clock());
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88009999', as(third))).status).toBe(401);
    expect((await signIn('Wang Fang', '1234')).status).toBe(401);
  });

  it('records which staff member registered a customer and recorded an outcome', async () => {
    const token = await tokenOf('Wang Fang', '1234');
    const staffId = sessionSchema.parse((await signIn('Wang Fang', '1234')).body).staff.id;
    const card = await t.call('POST', '/api/v1/customers', { ...as(token), body: { loyalty_card: '88005555', name: 'Zhao' } }, customerCardSchema);
    // A first purchase: the thanks-and-ask action follows it.
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ customer: { loyalty_card: '88005555' } }) })).status).toBe(201);
    const actions = await t.call('GET', `/api/v1/customers/${card.body.id}/actions`, as(token), customerActionsSchema);
    const action = actions.body.actions[0]!;
    expect((await t.call('POST', `/api/v1/actions/${action.id}/outcome`, { ...as(token), body: { outcome: 'done' } })).status).toBe(200);
    const by = t.deps.sqlite
      .query<{ kind: string; data: string }, []>("SELECT kind, data FROM customer_events WHERE kind IN ('registered', 'action_outcome') ORDER BY kind")
      .all()
      .map((e) => [e.kind, (JSON.parse(e.data) as { by: { staff_id: string | null } }).by.staff_id]);
    expect(by).toEqual([
      ['action_outcome', staffId],
      ['registered', staffId],
    ]);
  });
});

describe('staff CLI', () => {
  it('adds, lists and disables staff; refuses a bad PIN and a taken name', () => {
    const cli = (...args: string[]) =>
      spawnSync('node_modules/.bin/bun', ['server/cli/index.ts', 'staff', ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: t.dir }, encoding: 'utf8' });
    const added = cli('add', '--name', 'Zhou Min', '--role', 'clerk', '--pin', '4321');
    expect(added.status, added.stderr).toBe(0);
    const id = added.stdout.trim();
    expect(id).toMatch(/^[0-9A-Z]{26}$/);
    expect(cli('add', '--name', 'zhou min', '--role', 'clerk', '--pin', '4321').status).not.toBe(0);
    const badPin = cli('add', '--name', 'Sun', '--role', 'clerk', '--pin', '12');
    expect(badPin.status).not.toBe(0);
    expect(badPin.stderr).toMatch(/4 to 8 digits/);
    expect(cli('add', '--name', 'Sun', '--role', 'admin', '--pin', '1234').status).not.toBe(0);
    expect(cli('disable', id).status).toBe(0);
    const list = cli('list').stdout.trim().split('\n').map((l) => JSON.parse(l) as { name: string; disabled: boolean });
    expect(list).toEqual(expect.arrayContaining([{ id, name: 'Zhou Min', role: 'clerk', disabled: true }]));
    const pinHash = t.deps.sqlite.query<{ pin_hash: string }, [string]>('SELECT pin_hash FROM staff WHERE id = ?').get(id)?.pin_hash;
    expect(pinHash).toMatch(/^\$argon2id\$/);
    expect(pinHash).not.toContain('4321');
  });
});

describe('a registration sent again from an offline queue', () => {
  it('answers the customer of the first registration for the same client id, and writes nothing more', async () => {
    const body = { loyalty_card: '88007777', name: 'Sun Li', consent: { sms: true }, client_id: 'tablet-1-reg-0001' };
    const first = await t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema);
    expect(first.status).toBe(201);
    const before = t.counts();
    const again = await t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema);
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    expect(t.counts()).toEqual(before);
    // Without the client id the same card is someone else's: 409, as before.
    const { client_id: _, ...plain } = body;
    expect((await t.call('POST', '/api/v1/customers', { role: 'clerk', body: plain })).status).toBe(409);
    expect((await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { ...body, client_id: 'x' } })).status).toBe(422);
  });
});

describe('a consent change sent again from an offline queue', () => {
  it('is applied once: the replay answers the customer as they are now and writes nothing', async () => {
    const reg = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '88008888', consent: { sms: true } } }, customerCardSchema);
    const other = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '88008889' } }, customerCardSchema);
    const path = `/api/v1/customers/${reg.body.id}`;
    const change = { consent: { sms: false, call: true }, client_id: 'tablet-1-consent-0001' };
    const first = await t.call('PATCH', path, { role: 'clerk', body: change }, customerCardSchema);
    expect(first.status).toBe(200);
    expect(first.body.consent).toMatchObject({ sms: false, call: true });
    // Someone changes call back after the tablet's send; the tablet, which never saw its answer, sends again.
    await t.call('PATCH', path, { role: 'clerk', body: { consent: { call: false }, client_id: 'tablet-2-consent-0001' } }, customerCardSchema);
    const before = t.counts();
    const again = await t.call('PATCH', path, { role: 'clerk', body: change }, customerCardSchema);
    expect(again.status).toBe(200);
    expect(again.body.consent).toMatchObject({ sms: false, call: false });
    expect(t.counts()).toEqual(before);
    const updates = t.deps.sqlite
      .query<{ n: number }, [string]>("SELECT count(*) AS n FROM customer_events WHERE kind = 'profile_updated' AND json_extract(data, '$.client_id') = ?")
      .get(change.client_id);
    expect(updates?.n).toBe(1);
    // The same client id for someone else is the tablet's mistake, never a silent no-op.
    expect((await t.call('PATCH', `/api/v1/customers/${other.body.id}`, { role: 'clerk', body: change })).status).toBe(422);
    expect((await t.call('PATCH', path, { role: 'clerk', body: { ...change, client_id: 'short' } })).status).toBe(422);
  });

  it('finds the first send through the partial index of migration 0016', () => {
    const plan = t.deps.sqlite
      .query<{ detail: string }, [string]>(
        "EXPLAIN QUERY PLAN SELECT recorded_customer_id FROM customer_events WHERE json_extract(data, '$.client_id') = ? AND kind = 'profile_updated'",
      )
      .all('x')
      .map((r) => r.detail)
      .join('\n');
    expect(plan).toContain('customer_events_update_client_id');
  });
});
