import { afterEach, describe, expect, it } from 'vitest';
import { DAY_MS } from '../server/kernel/clock.ts';
import { runDailySweep, sweepDepsFrom } from '../server/orchestration/daily-sweep.ts';
import { customerActionsSchema, outcomeResultSchema } from '../server/contract/actions.ts';
import { type IngestResult, ingestResultSchema } from '../server/contract/ingest-results.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
afterEach(() => t.close());

// 10:00 in Shanghai: outside quiet hours.
const start = Date.parse('2026-03-02T10:00:00+08:00');
const iso = (ms: number) => new Date(ms).toISOString();
const days = (n: number) => t.clock.advance(n * DAY_MS);

function setup(env: Record<string, string> = {}) {
  t = createTestAppliance({ now: iso(start), env });
}

type Line = { sku: string; name?: string; category?: string; amount?: number };
/** A sale now; with a customer, the answer's customer_id is theirs. */
async function buy(customer: Record<string, string>, lines: Line[], over?: Record<string, unknown>): Promise<IngestResult & { customer_id: string }>;
async function buy(customer: undefined, lines: Line[], over?: Record<string, unknown>): Promise<IngestResult>;
async function buy(customer: Record<string, string> | undefined, lines: Line[], over: Record<string, unknown> = {}): Promise<IngestResult> {
  const wire = lines.map((l) => ({ sku: l.sku, name: l.name ?? l.sku, category: l.category ?? 'general', quantity: 1, unit_price: l.amount ?? 10, discount: 0, amount: l.amount ?? 10 }));
  const total = wire.reduce((s, l) => s + l.amount, 0);
  const res = await t.call('POST', '/api/v1/transactions', {
    role: 'terminal',
    body: sale({ occurred_at: iso(t.clock()), customer, lines: wire, tenders: [{ type: 'card', amount: total }], ...over }),
  }, ingestResultSchema);
  expect(res.status).toBe(201);
  if (customer) expect(res.body.customer_id).not.toBeNull();
  return res.body;
}

async function actions(id: string) {
  const res = await t.call('GET', `/api/v1/customers/${id}/actions`, { role: 'clerk' }, customerActionsSchema);
  expect(res.status).toBe(200);
  return res.body;
}
const types = async (id: string) => (await actions(id)).actions.map((a) => a.type);
const register = async (body: Record<string, unknown>) => (await t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema)).body.id;
const outcome = (actionId: string, body: Record<string, unknown>) => t.call('POST', `/api/v1/actions/${actionId}/outcome`, { role: 'clerk', body });
const recorded = (actionId: string, body: Record<string, unknown>) => t.call('POST', `/api/v1/actions/${actionId}/outcome`, { role: 'clerk', body }, outcomeResultSchema);

/** Some store history so popular and co-purchased items exist. */
async function storeHistory() {
  for (let i = 0; i < 5; i++) await buy(undefined, [{ sku: 'TEA1', name: 'Oolong tea', category: 'tea' }, { sku: 'CAKE', name: 'Mooncake', category: 'bakery' }]);
  for (let i = 0; i < 3; i++) await buy(undefined, [{ sku: 'MILK', name: 'Milk', category: 'dairy' }, { sku: 'BREAD', name: 'Bread', category: 'bakery' }]);
  runDailySweep(sweepDepsFrom(t.deps), t.clock()); // co-purchase neighbours
}

describe('next-best action rules', () => {
  it('welcomes a new member with the popular items and a welcome offer', async () => {
    setup();
    await storeHistory();
    const id = await register({ phone: '13900000001', name: 'Li Na' });
    const { actions: list } = await actions(id);
    const welcome = list.find((a) => a.type === 'welcome')!;
    expect(welcome.offer?.code).toBe('WELCOME10');
    expect(welcome.items.map((i) => i.sku)).toEqual(['CAKE', 'TEA1', 'BREAD']);
    expect(welcome.script).toContain('Welcome');
  });

  it('thanks a first-time buyer, asks how it went and suggests what others bought with it', async () => {
    setup();
    await storeHistory();
    const { customer_id } = await buy({ loyalty_card: '20000001' }, [{ sku: 'TEA1', name: 'Oolong tea', category: 'tea' }]);
    const thanks = (await actions(customer_id)).actions.find((a) => a.type === 'first_purchase_thanks')!;
    expect(thanks.script).toContain('How was the Oolong tea?');
    expect(thanks.items[0]!.sku).toBe('CAKE');
  });

  it('tells an active customer about new arrivals and items back in stock in their favourite category', async () => {
    setup();
    await buy(undefined, [{ sku: 'TEA-OLD', name: 'Pu-erh', category: 'tea' }]);
    days(30);
    const c = { loyalty_card: '20000002' };
    await buy(c, [{ sku: 'TEA1', category: 'tea', amount: 50 }]);
    days(5);
    const { customer_id } = await buy(c, [{ sku: 'TEA1', category: 'tea', amount: 50 }]);
    await buy(undefined, [{ sku: 'TEA-OLD', name: 'Pu-erh', category: 'tea' }]); // back after 35 days
    await buy(undefined, [{ sku: 'TEA-NEW', name: 'White tea', category: 'tea' }]);
    runDailySweep(sweepDepsFrom(t.deps), t.clock()); // the catalog follows sales at the sweep
    const news = (await actions(customer_id)).actions.find((a) => a.type === 'favourite_news')!;
    expect(news.items.map((i) => i.sku).sort()).toEqual(['TEA-NEW', 'TEA-OLD', 'TEA1']);
    expect(news.reason).toContain('tea');
  });

  it('wins back an at-risk customer, and reminds of expiring points more strongly then', async () => {
    setup();
    const c = { loyalty_card: '20000003' };
    await buy(c, [{ sku: 'A', amount: 100 }]);
    days(10);
    const { customer_id } = await buy(c, [{ sku: 'A', amount: 100 }]);
    days(340); // last purchase 340 days ago: at risk; both lots expire within 30 days
    runDailySweep(sweepDepsFrom(t.deps), t.clock());
    const list = (await actions(customer_id)).actions;
    // Stronger at risk: the points reminder outranks the win-back (and the lone customer is also a top spender).
    expect(list.map((a) => a.type)).toEqual(['points_expiring', 'win_back', 'top_spender_gift']);
    expect(list[0]!.script).toContain('200 points expiring');
    expect(list[1]!.reason).toContain('last visit 340 days ago');
  });

  it('offers a birthday coupon within 7 days of the birthday, not 8', async () => {
    setup();
    const id = await register({ phone: '13900000004', birthday: '1990-03-09', name: 'Zhang Wei' });
    expect(await types(id)).toContain('birthday'); // March 2 → March 9: 7 days
    const other = await register({ phone: '13900000005', birthday: '1990-03-10' });
    expect(await types(other)).not.toContain('birthday');
  });

  it('celebrates the membership anniversary', async () => {
    setup();
    const id = await register({ phone: '13900000006', name: 'Wu Fang' });
    days(362);
    expect(await types(id)).toContain('membership_anniversary');
  });

  it('says how many points to the next tier when it is within reach', async () => {
    setup();
    const { customer_id } = await buy({ loyalty_card: '20000007' }, [{ sku: 'A', amount: 850 }]);
    const tier = (await actions(customer_id)).actions.find((a) => a.type === 'tier_upgrade')!;
    expect(tier.script).toContain('Only 150 points to Gold');
  });

  it('thanks the top spenders with a gift', async () => {
    setup();
    for (let i = 0; i < 10; i++) await buy({ loyalty_card: `3000000${i}` }, [{ sku: 'A', amount: 10 + i }]);
    const big = await buy({ loyalty_card: '30000099' }, [{ sku: 'A', amount: 500 }]);
    runDailySweep(sweepDepsFrom(t.deps), t.clock());
    expect(await types(big.customer_id)).toContain('top_spender_gift');
    const small = (await t.call('GET', '/api/v1/customers/lookup?card=30000001', { role: 'clerk' }, customerCardSchema)).body.id;
    expect(await types(small)).not.toContain('top_spender_gift');
  });

  it('sends holiday news by email to dormant customers who consented', async () => {
    setup();
    const yes = await register({ phone: '13900000010', consent: { email: true } });
    const no = await register({ phone: '13900000011', consent: { email: false } });
    await buy({ phone: '13900000010' }, [{ sku: 'A' }]);
    await buy({ phone: '13900000011' }, [{ sku: 'A' }]);
    days(370); // 2027-03-07; dormant. No holiday within 14 days yet.
    runDailySweep(sweepDepsFrom(t.deps), t.clock());
    expect(await types(yes)).not.toContain('holiday_news');
    t.clock.set(Date.parse('2027-09-05T10:00:00+08:00')); // Mid-Autumn 2027-09-15 in 10 days
    expect(await types(yes)).toContain('holiday_news');
    expect((await actions(no)).suppressed).toContainEqual({ type: 'holiday_news', reason: 'no_consent' });
  });
});

describe('guardrails', () => {
  it('never suggests an item returned within 90 days, and apologizes first after a recent return', async () => {
    setup();
    await storeHistory();
    const c = { loyalty_card: '40000001' };
    await buy(c, [{ sku: 'MILK', name: 'Milk', category: 'dairy' }, { sku: 'CAKE', name: 'Mooncake', category: 'bakery' }], { terminal_id: 'T7', receipt_no: 'S1' });
    days(2);
    const ret = await buy(undefined, [{ sku: 'CAKE', name: 'Mooncake', category: 'bakery' }], { kind: 'return', receipt_no: 'R1', original: { terminal_id: 'T7', receipt_no: 'S1' } });
    // The return names no customer: it takes the sale's.
    expect(ret.customer_id).not.toBeNull();
    const { actions: list } = await actions(ret.customer_id ?? '');
    expect(list[0]!.type).toBe('return_follow_up');
    expect(list[0]!.script).toMatch(/^I'm sorry/);
    const suggested = list.flatMap((a) => a.items.map((i) => i.sku));
    expect(suggested).not.toContain('CAKE');
    expect(suggested).toContain('BREAD');
  });

  it('a first purchase\'s "how was it?" never asks about an item the customer brought back', async () => {
    setup();
    await storeHistory();
    const c = { loyalty_card: '40000002' };
    const first = await buy(c, [{ sku: 'CAKE', name: 'Mooncake', category: 'bakery' }, { sku: 'MILK', name: 'Milk', category: 'dairy' }], { terminal_id: 'T7', receipt_no: 'S2' });
    const ask = async () => (await actions(first.customer_id)).actions.find((a) => a.type === 'first_purchase_thanks')?.script ?? '';
    expect(await ask()).toContain('How was the Mooncake?');
    days(1);
    await buy(undefined, [{ sku: 'CAKE', name: 'Mooncake', category: 'bakery' }], { kind: 'return', receipt_no: 'R2', original: { terminal_id: 'T7', receipt_no: 'S2' } });
    const afterOne = await ask();
    expect(afterOne).toContain('How was the Milk?');
    expect(afterOne).not.toContain('Mooncake');
    await buy(undefined, [{ sku: 'MILK', name: 'Milk', category: 'dairy' }], { kind: 'return', receipt_no: 'R3', original: { terminal_id: 'T7', receipt_no: 'S2' } });
    const afterBoth = (await actions(first.customer_id)).actions.map((a) => a.script).join(' ');
    expect(afterBoth).not.toMatch(/How was the (Mooncake|Milk)/);
  });

  it('does not contact outbound in quiet hours (22:00 local), but does at 10:00', async () => {
    setup({ ACTIONS_QUIET_HOURS: '21:00-09:00' });
    const id = await register({ phone: '13900000020', consent: { sms: true } });
    const c = { phone: '13900000020' };
    await buy(c, [{ sku: 'A', amount: 100 }]);
    days(10);
    await buy(c, [{ sku: 'A', amount: 100 }]);
    days(340);
    runDailySweep(sweepDepsFrom(t.deps), t.clock());
    expect(await types(id)).toContain('points_expiring_sms');
    t.clock.advance(12 * 3_600_000); // 22:00
    expect(await types(id)).not.toContain('points_expiring_sms');
    expect((await actions(id)).suppressed).toContainEqual({ type: 'points_expiring_sms', reason: 'quiet_hours' });
  });

  it('caps contacts per channel per week, and gives one offer of a kind per period', async () => {
    setup({ ACTIONS_CONTACT_CAP_PER_WEEK: '2' });
    await storeHistory();
    const id = await register({ phone: '13900000030', birthday: '1990-03-05', name: 'Chen Jing' });
    const first = await actions(id);
    const byType = new Map(first.actions.map((a) => [a.type, a.id]));
    expect([...byType.keys()].sort()).toEqual(['birthday', 'welcome']);
    // Looking again does not create new actions: same ids.
    expect((await actions(id)).actions.map((a) => a.id).sort()).toEqual([...byType.values()].sort());
    expect((await outcome(byType.get('birthday')!, { outcome: 'declined' })).status).toBe(200);
    // Declined birthday offer: not again this year.
    expect((await actions(id)).suppressed).toContainEqual({ type: 'birthday', reason: 'offer_period' });
    expect((await outcome(byType.get('welcome')!, { outcome: 'done', survey_answer: 'happy' })).status).toBe(200);
    // Another in-store contact this week is allowed (1 of 2), a third is not.
    days(1);
    const { customer_id } = await buy({ phone: '13900000030' }, [{ sku: 'TEA1' }]);
    const thanks = (await actions(customer_id)).actions.find((a) => a.type === 'first_purchase_thanks')!;
    await outcome(thanks.id, { outcome: 'done' });
    await t.call('PATCH', `/api/v1/customers/${id}`, { role: 'clerk', body: { birthday: '1990-03-06' } });
    const after = await actions(id);
    expect(after.actions).toEqual([]);
    expect(after.suppressed.map((s) => s.reason)).toContain('contact_cap');
    days(7);
    expect((await actions(id)).suppressed.map((s) => s.reason)).not.toContain('contact_cap');
  });

  it('puts an action off for a day when the associate says "not now"', async () => {
    setup();
    const id = await register({ phone: '13900000040', birthday: '1990-03-04' });
    const a = (await actions(id)).actions.find((x) => x.type === 'birthday')!;
    await outcome(a.id, { outcome: 'not_now' });
    expect((await actions(id)).suppressed).toContainEqual({ type: 'birthday', reason: 'not_now' });
    days(1);
    expect(await types(id)).toContain('birthday');
  });
});

describe('outcomes and conversion', () => {
  it('records outcomes (idempotent, 409 on a different one) and attributes a purchase within 14 days', async () => {
    setup();
    const id = await register({ phone: '13900000050', birthday: '1990-03-03' });
    const a = (await actions(id)).actions.find((x) => x.type === 'birthday')!;
    expect((await recorded(a.id, { outcome: 'done', note: 'gave the coupon' })).body).toEqual({ id: a.id, status: 'done', replayed: false });
    expect((await recorded(a.id, { outcome: 'done' })).body).toEqual({ id: a.id, status: 'done', replayed: true });
    expect((await outcome(a.id, { outcome: 'declined' })).status).toBe(409);
    expect((await outcome('NOPE', { outcome: 'done' })).status).toBe(404);
    expect((await outcome(a.id, { outcome: 'maybe' })).status).toBe(422);
    days(13);
    const bought = await buy({ phone: '13900000050' }, [{ sku: 'A', amount: 42 }]);
    const row = t.deps.sqlite.query('SELECT converted_tx_id, revenue FROM actions WHERE id = ?').get(a.id);
    expect(row).toEqual({ converted_tx_id: bought.id, revenue: 4200 });
  });

  it('does not attribute a purchase after the window', async () => {
    setup();
    const id = await register({ phone: '13900000051', birthday: '1990-03-03' });
    const a = (await actions(id)).actions.find((x) => x.type === 'birthday')!;
    await outcome(a.id, { outcome: 'done' });
    days(15);
    await buy({ phone: '13900000051' }, [{ sku: 'A' }]);
    expect(t.deps.sqlite.query('SELECT converted_tx_id FROM actions WHERE id = ?').get(a.id)).toEqual({ converted_tx_id: null });
  });

  it('includes the actions in the profile', async () => {
    setup();
    const id = await register({ phone: '13900000052', birthday: '1990-03-03' });
    const profile = await t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }, customerCardSchema);
    expect(profile.body.actions.map((a) => a.type)).toContain('birthday');
  });
});
