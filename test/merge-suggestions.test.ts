import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from 'bun:sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readChanges, replayChanges } from '../server/db/change-log.ts';
import { openDb } from '../server/db/open.ts';
import { ingestResultSchema } from '../server/contract/ingest-results.ts';
import { mergeDecisionSchema, mergeSuggestionListSchema, unmergeResultSchema } from '../server/contract/merge.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { rebuildEverything } from '../server/orchestration/rebuild.ts';
import { derivedSnapshot } from './fault/store-checks.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

const post = async (customer: Record<string, string>) => {
  t.clock.advance(DAY_MS);
  const res = await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ customer, occurred_at: new Date(t.clock()).toISOString() }) }, ingestResultSchema);
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body;
};
const register = async (body: Record<string, unknown>) => {
  const res = await t.call('POST', '/api/v1/customers', { role: 'clerk', body }, customerCardSchema);
  expect(res.status).toBe(201);
  return res.body.id;
};
const profile = (id: string) => t.call('GET', `/api/v1/customers/${id}`, { role: 'clerk' }, customerCardSchema);
const lookup = (query: string) => t.call('GET', `/api/v1/customers/lookup?${query}`, { role: 'clerk' });
const suggestions = (status = 'open') => t.call('GET', `/api/v1/merge-suggestions?status=${status}`, { role: 'manager' }, mergeSuggestionListSchema);
const decide = (id: string, decision: 'approve' | 'reject') => t.call('POST', `/api/v1/merge-suggestions/${id}/${decision}`, { role: 'manager' });
const unmerge = (id: string) => t.call('POST', `/api/v1/customers/${id}/unmerge`, { role: 'manager' });

/** The whole derived view a rebuild from the facts must reproduce, suggestions included. */
const view = (db: Database) => ({ ...derivedSnapshot(db), suggestions: db.query('SELECT * FROM merge_suggestions ORDER BY id').all() });
/** `cli rebuild` gives back the incremental view, and so does the change log replayed into a fresh database. */
const expectRebuildReproduces = () => {
  const incremental = view(t.deps.sqlite);
  rebuildEverything(t.deps, t.clock());
  expect(view(t.deps.sqlite)).toEqual(incremental);
  const dir = mkdtempSync(join(tmpdir(), 'merge-replay-'));
  const fresh = openDb(join(dir, 'store.db'));
  try {
    fresh.transaction(() => replayChanges(fresh, readChanges(t.deps.sqlite, 0, 100_000)))();
    rebuildEverything({ sqlite: fresh, lifecycle: t.deps.lifecycle }, t.clock());
    expect(view(fresh)).toEqual(incremental);
  } finally {
    fresh.close();
    rmSync(dir, { recursive: true, force: true });
  }
};

/** Ann and Ben, both registered, each with one sale of their own. */
async function twoRegistered() {
  const ann = await register({ loyalty_card: '88000001', phone: '13800000001', name: 'Ann', birthday: '1990-01-01' });
  const ben = await register({ loyalty_card: '88000002', phone: '13800000002', name: 'Ben', consent: { sms: true } });
  await post({ loyalty_card: '88000001' });
  await post({ loyalty_card: '88000002' });
  return { ann, ben };
}

describe('a sale naming two registered customers', () => {
  it('goes to the card holder, merges nobody and files one suggestion per pair', async () => {
    const { ann, ben } = await twoRegistered();
    const mixed = await post({ loyalty_card: '88000001', phone: '13800000002' });
    expect(mixed.customer_id).toBe(ann);
    await post({ phone: '13800000001', loyalty_card: '88000002' }); // the other way round: Ben's card is stronger
    await post({ loyalty_card: '88000001', phone: '13800000002' }); // the same pair again

    const open = await suggestions();
    expect(open.status).toBe(200);
    expect(open.body.suggestions).toHaveLength(1);
    expect(open.body.suggestions[0]).toMatchObject({ customer_id: ann, other_customer_id: ben, status: 'open', kinds: ['phone'], tx_id: mixed.id });
    expect((await profile(ann)).body).toMatchObject({ merged_ids: [], stats: { visits_total: 3 } });
    expect((await profile(ben)).body).toMatchObject({ merged_ids: [], name: 'Ben', stats: { visits_total: 2 } });
    expect(t.deps.sqlite.query("SELECT count(*) AS n FROM customer_events WHERE kind = 'merged'").get()).toEqual({ n: 0 });
    expectRebuildReproduces();
  });

  it('leaves the other intact when one of them is erased', async () => {
    const { ann, ben } = await twoRegistered();
    await post({ loyalty_card: '88000001', phone: '13800000002' });
    expect((await t.call('DELETE', `/api/v1/customers/${ann}`, { role: 'manager' })).status).toBe(200);
    expect((await t.call('GET', `/api/v1/customers/${ann}`, { role: 'clerk' })).status).toBe(410);
    const benNow = await profile(ben);
    expect(benNow.status).toBe(200);
    expect(benNow.body).toMatchObject({ id: ben, name: 'Ben', consent: { sms: true } });
    expect((await lookup('phone=13800000002')).body).toMatchObject({ id: ben });
    // Approving the suggestion now would merge into an erased customer: refused, nothing written.
    const [s] = (await suggestions()).body.suggestions;
    const before = t.counts();
    expect((await decide(s!.id, 'approve')).status).toBe(410);
    expect(t.counts()).toEqual(before);
  });

  it('is merged when a manager approves, and comes apart again on unmerge with its own points and sales', async () => {
    const { ann, ben } = await twoRegistered();
    const annAlone = (await profile(ann)).body;
    const benAlone = (await profile(ben)).body;
    await post({ loyalty_card: '88000001', phone: '13800000002' });
    const annWithMixed = (await profile(ann)).body;
    const [s] = (await suggestions()).body.suggestions;

    expect((await t.call('POST', `/api/v1/merge-suggestions/${s!.id}/approve`, { role: 'clerk' })).status).toBe(403);
    const approved = await t.call('POST', `/api/v1/merge-suggestions/${s!.id}/approve`, { role: 'manager' }, mergeDecisionSchema);
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({ customer_id: ann, suggestion: { status: 'approved' } });
    expect((await decide(s!.id, 'approve')).status).toBe(409);
    const merged = (await profile(ann)).body;
    expect(merged.merged_ids).toEqual([ben]);
    expect(merged.stats.visits_total).toBe(3);
    expect(merged.points.balance).toBe(annWithMixed.points.balance + benAlone.points.balance);
    expect((await lookup('phone=13800000002')).body).toMatchObject({ id: ann });
    expect((await suggestions()).body.suggestions).toEqual([]);
    expectRebuildReproduces();

    t.clock.advance(DAY_MS);
    expect((await t.call('POST', `/api/v1/customers/${ben}/unmerge`, { role: 'clerk' })).status).toBe(403);
    const undone = await t.call('POST', `/api/v1/customers/${ben}/unmerge`, { role: 'manager' }, unmergeResultSchema);
    expect(undone.status).toBe(200);
    expect(undone.body).toEqual({ id: ben, unmerged_from: ann, customer_ids: [ben] });
    const annAfter = (await profile(ann)).body;
    const benAfter = (await profile(ben)).body;
    expect(annAfter).toMatchObject({ merged_ids: [], stats: { visits_total: 2 }, points: { balance: annWithMixed.points.balance } });
    expect(benAfter).toMatchObject({ id: ben, name: 'Ben', merged_ids: [], stats: { visits_total: 1 }, points: { balance: benAlone.points.balance } });
    expect(benAfter.identifiers.map((i) => i.kind).sort()).toEqual(['card', 'phone']);
    expect(annAfter.identifiers.map((i) => i.kind).sort()).toEqual(['card', 'phone']);
    expect(annAfter.consent.sms).toBe(annAlone.consent.sms); // Ben's consent, taken at the merge, is given back
    expect((await lookup('phone=13800000002')).body).toMatchObject({ id: ben });
    expect((await lookup('card=88000001')).body).toMatchObject({ id: ann });
    expect((await unmerge(ben)).status).toBe(409); // not merged any more
    expectRebuildReproduces();
  });

  it('stays apart when a manager rejects', async () => {
    const { ann, ben } = await twoRegistered();
    await post({ loyalty_card: '88000001', phone: '13800000002' });
    const [s] = (await suggestions()).body.suggestions;
    const rejected = await t.call('POST', `/api/v1/merge-suggestions/${s!.id}/reject`, { role: 'manager' }, mergeDecisionSchema);
    expect(rejected.body).toMatchObject({ customer_id: null, suggestion: { status: 'rejected' } });
    expect((await suggestions('rejected')).body.suggestions.map((x) => x.id)).toEqual([s!.id]);
    expect((await decide(s!.id, 'approve')).status).toBe(409);
    expect((await profile(ben)).body.id).toBe(ben);
    expect((await profile(ann)).body.merged_ids).toEqual([]);
    expect((await decide('NOPE', 'reject')).status).toBe(404);
    expect((await t.call('GET', '/api/v1/merge-suggestions?status=maybe', { role: 'manager' })).status).toBe(422);
    expectRebuildReproduces();
  });
});

describe('POS data and shadow customers', () => {
  it('never hands a registered customer to whoever holds a shadow card named beside her phone', async () => {
    const victim = await register({ phone: '13800000001', name: 'Vic' });
    await post({ phone: '13800000001' }); // her own sale: she has points
    const victimBefore = (await profile(victim)).body;
    expect(victimBefore.points.balance).toBeGreaterThan(0);
    const shadow = await post({ loyalty_card: '77000099' });
    const attack = await post({ loyalty_card: '77000099', phone: '13800000001' });
    expect(attack.customer_id).toBe(shadow.customer_id); // the card is the strongest identifier: its customer gets the sale

    const v = (await profile(victim)).body;
    expect(v).toMatchObject({ merged_ids: [], stats: { visits_total: 1 }, points: { balance: victimBefore.points.balance } });
    expect(v.identifiers.map((i) => i.kind)).toEqual(['phone']);
    expect((await lookup('card=77000099')).body).toMatchObject({ id: shadow.customer_id, name: null });
    expect((await lookup('phone=13800000001')).body).toMatchObject({ id: victim });
    const open = (await suggestions()).body.suggestions;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ customer_id: shadow.customer_id, other_customer_id: victim, kinds: ['phone'], tx_id: attack.id });
    // The card's holder cannot spend her points.
    t.clock.advance(DAY_MS);
    const spend = await t.call('POST', '/api/v1/transactions', {
      role: 'terminal',
      body: sale({ customer: { loyalty_card: '77000099' }, points_redeemed: victimBefore.points.balance, occurred_at: new Date(t.clock()).toISOString() }),
    });
    expect(spend.status).toBe(409);
    expect(t.deps.sqlite.query("SELECT count(*) AS n FROM customer_events WHERE kind = 'merged'").get()).toEqual({ n: 0 });
    expectRebuildReproduces();

    // A manager who knows the card is hers approves: the shadow goes into her, and she keeps her id.
    const approved = await t.call('POST', `/api/v1/merge-suggestions/${open[0]!.id}/approve`, { role: 'manager' }, mergeDecisionSchema);
    expect(approved.body).toMatchObject({ customer_id: victim, suggestion: { status: 'approved' } });
    expect((await lookup('card=77000099')).body).toMatchObject({ id: victim, name: 'Vic', merged_ids: [shadow.customer_id] });
    expectRebuildReproduces();
  });

  it('folds a shadow named by nothing stronger than the registered customer, without any of its identifiers', async () => {
    const ann = await register({ loyalty_card: '88000001', name: 'Ann' });
    const shadow = await post({ member_id: 'M-77', phone: '13900000009', email: 'x@example.cn' });
    expect(shadow.customer_id).not.toBe(ann);
    const linking = await post({ loyalty_card: '88000001', member_id: 'M-77' });
    expect(linking.customer_id).toBe(ann);
    const p = (await profile(ann)).body;
    expect(p.merged_ids).toEqual([shadow.customer_id]);
    expect(p.stats.visits_total).toBe(2);
    expect(p.identifiers.map((i) => i.kind)).toEqual(['card']);
    for (const q of ['member_id=M-77', 'phone=13900000009', 'email=x@example.cn']) expect((await lookup(q)).status).toBe(404);
    const unlinked = t.deps.sqlite
      .query<{ kind: string; reason: string }, [string]>(
        "SELECT json_extract(data, '$.kind') AS kind, json_extract(data, '$.reason') AS reason FROM customer_events WHERE kind = 'identifier_unlinked' AND recorded_customer_id = ? ORDER BY kind",
      )
      .all(shadow.customer_id!);
    expect(unlinked).toEqual(['email', 'member', 'phone'].map((kind) => ({ kind, reason: 'folded_into_registered' })));
    expect((await suggestions()).body.suggestions).toEqual([]);
    expectRebuildReproduces();

    // The shadow can be taken out again: it comes back with its sale (its identifiers were unlinked at the fold).
    const undone = await unmerge(shadow.customer_id!);
    expect(undone.status).toBe(200);
    expect((await profile(shadow.customer_id!)).body).toMatchObject({ stats: { visits_total: 1 }, identifiers: [] });
    expect((await profile(ann)).body).toMatchObject({ merged_ids: [], stats: { visits_total: 1 } });
    expectRebuildReproduces();
  });

  it('still folds one shadow into another (the strongest identifier\'s customer)', async () => {
    const a = await post({ loyalty_card: '77000001' });
    const b = await post({ phone: '13900000001' });
    const both = await post({ phone: '13900000001', loyalty_card: '77000001' });
    expect(both.customer_id).toBe(a.customer_id);
    expect((await profile(a.customer_id!)).body).toMatchObject({ merged_ids: [b.customer_id], stats: { visits_total: 3 } });
    expect((await lookup('phone=13900000001')).body).toMatchObject({ id: a.customer_id });
    expectRebuildReproduces();
  });

  it('never lets a terminal add a phone, an email or a card to a registered customer', async () => {
    const ann = await register({ loyalty_card: '88000001', name: 'Ann' });
    const res = await post({ loyalty_card: '88000001', phone: '13900000009', email: 'thief@example.cn' });
    expect(res.customer_id).toBe(ann);
    await post({ phone: '13800000001', loyalty_card: '88000001' });
    await post({ member_id: 'M-42', loyalty_card: '88000001' });
    const p = (await profile(ann)).body;
    expect(p.identifiers.map((i) => i.kind)).toEqual(['card']);
    expect(p.stats.visits_total).toBe(3);
    expect((await lookup('phone=13900000009')).status).toBe(404);
    expect((await lookup('email=thief@example.cn')).status).toBe(404);
    expect((await lookup('member_id=M-42')).status).toBe(404);

    // A shadow customer's card does not reach her through a fold either: the card is stronger than her phone.
    const shadow = await post({ loyalty_card: '77000001', phone: '13900000009' });
    expect(shadow.customer_id).not.toBe(ann);
    expect((await post({ loyalty_card: '77000001', phone: '13800000008' })).customer_id).toBe(shadow.customer_id); // a shadow takes new identifiers
    await t.call('PATCH', `/api/v1/customers/${ann}`, { role: 'clerk', body: { phone: '13800000007' } }); // a clerk may add one
    expect((await post({ loyalty_card: '77000001', phone: '13800000007' })).customer_id).toBe(shadow.customer_id);
    expect((await profile(ann)).body.identifiers.map((i) => i.kind).sort()).toEqual(['card', 'phone']);
    expect((await lookup('card=77000001')).body).toMatchObject({ id: shadow.customer_id });
    expect((await suggestions()).body.suggestions).toMatchObject([{ customer_id: shadow.customer_id, other_customer_id: ann, kinds: ['phone'] }]);
    expect((await lookup('phone=13900000009')).body).toMatchObject({ id: shadow.customer_id });
    expectRebuildReproduces();
  });
});

describe('a return recorded while its sale\'s customer is merged', () => {
  it('goes back with the sale on unmerge: no points or returns counted twice', async () => {
    const { ann, ben } = await twoRegistered();
    await post({ loyalty_card: '88000001', phone: '13800000002' });
    const annBefore = (await profile(ann)).body;
    t.clock.advance(DAY_MS);
    const bought = sale({ customer: { loyalty_card: '88000002' }, receipt_no: 'BEN-1', occurred_at: new Date(t.clock()).toISOString() });
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: bought }, ingestResultSchema)).status).toBe(201);
    const [s] = (await suggestions()).body.suggestions;
    expect((await decide(s!.id, 'approve')).status).toBe(200);

    t.clock.advance(DAY_MS);
    const returned = await t.call(
      'POST',
      '/api/v1/transactions',
      {
        role: 'terminal',
        body: { ...bought, kind: 'return', receipt_no: 'BEN-1-R', customer: undefined, original: { terminal_id: 'T01', receipt_no: 'BEN-1' }, occurred_at: new Date(t.clock()).toISOString() },
      },
      ingestResultSchema,
    );
    expect(returned.status, JSON.stringify(returned.body)).toBe(201);
    expect(returned.body.customer_id).toBe(ann);
    expect(returned.body.points_reversed).toBeGreaterThan(0);
    expectRebuildReproduces();

    t.clock.advance(DAY_MS);
    expect((await unmerge(ben)).status).toBe(200);
    const annAfter = (await profile(ann)).body;
    const benAfter = (await profile(ben)).body;
    expect(annAfter.points).toEqual(annBefore.points);
    expect(annAfter.stats).toMatchObject({ visits_total: annBefore.stats.visits_total, spend_total: annBefore.stats.spend_total, returns: { count: 0, amount: 0 } });
    // Ben: his first sale, and the second bought and fully returned.
    expect(benAfter.points.balance).toBe(t.deps.sqlite.query<{ p: number }, [string]>("SELECT points_earned AS p FROM transactions WHERE recorded_customer_id = ? AND receipt_no <> 'BEN-1'").get(ben)!.p);
    expect(benAfter.stats.returns).toEqual({ count: 1, amount: 63.9 });
    const owned = (id: string) => t.deps.sqlite.query<{ receipt_no: string }, [string]>('SELECT receipt_no FROM transactions WHERE customer_id = ? ORDER BY receipt_no').all(id).map((r) => r.receipt_no);
    expect(owned(ben)).toEqual(expect.arrayContaining(['BEN-1', 'BEN-1-R']));
    expect(owned(ann)).not.toContain('BEN-1-R');
    const negative = t.deps.sqlite.query('SELECT customer_id FROM customer_points WHERE balance < 0').all();
    expect(negative).toEqual([]);
    expectRebuildReproduces();
  });

  it('gives back with it the expiries of its points written while merged', async () => {
    const { ann, ben } = await twoRegistered();
    await post({ loyalty_card: '88000001', phone: '13800000002' });
    const [s] = (await suggestions()).body.suggestions;
    expect((await decide(s!.id, 'approve')).status).toBe(200);
    t.clock.advance(400 * DAY_MS); // past every lot's expiry (365 days)
    await post({ loyalty_card: '88000001' }); // writes the expiries, Ben's lot among them
    const annMerged = (await profile(ann)).body.points.balance;
    const benLot = t.deps.sqlite.query<{ p: number }, [string]>("SELECT points AS p FROM loyalty_ledger WHERE recorded_customer_id = ? AND kind = 'earn'").get(ben)!.p;
    expect((await unmerge(ben)).status).toBe(200);
    expect((await profile(ben)).body.points.balance).toBe(0); // earned, then expired
    expect((await profile(ann)).body.points.balance).toBe(annMerged); // Ben's lot had expired: nothing of it was in her balance
    expect(t.deps.sqlite.query('SELECT customer_id FROM customer_points WHERE balance < 0').all()).toEqual([]);
    expect(benLot).toBeGreaterThan(0);
    expectRebuildReproduces();
  });
});
