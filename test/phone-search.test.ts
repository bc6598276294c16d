import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { phoneCandidatesSchema } from '../server/contract/customer.ts';
import { errorBodySchema } from '../server/contract/errors.ts';
import { customerCardSchema } from '../server/contract/profile.ts';
import { createTestAppliance, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

const search = (last4: string, role: 'clerk' | 'manager' | 'terminal' = 'clerk') => t.call('GET', `/api/v1/customers/search?phone_last4=${last4}`, { role });

describe('search by the last four digits of a phone', () => {
  it('answers at most 10 masked candidates, newest first, and says when there are more', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) {
      t.clock.advance(60_000);
      const res = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: `1380${String(i).padStart(3, '0')}5678`, name: `Wang ${i}` } }, customerCardSchema);
      ids.push(res.body.id);
    }
    await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '13800001234', name: 'Other' } });
    const res = await search('5678');
    expect(res.status).toBe(200);
    const body = phoneCandidatesSchema.parse(res.body);
    expect(body.truncated).toBe(true);
    expect(body.candidates.map((c) => c.id)).toEqual(ids.slice(2).reverse());
    expect(body.candidates[0]).toMatchObject({ name: 'W**', phone: '+86*******5678', last_purchase_at: null });
    expect(JSON.stringify(body)).not.toMatch(/1380\d{3}5678|Wang/);
    const one = phoneCandidatesSchema.parse((await search('1234')).body);
    expect(one).toEqual({ candidates: [expect.objectContaining({ name: 'O**' })], truncated: false });
    expect(phoneCandidatesSchema.parse((await search('0000')).body)).toEqual({ candidates: [], truncated: false });
  });

  it('refuses bad input and other roles, and limits each credential per minute', async () => {
    expect((await search('12a4')).status).toBe(422);
    expect((await search('1234', 'terminal')).status).toBe(403);
    // Refused input is not counted: nine searches, then the tenth, then the eleventh is one too many.
    for (let i = 0; i < 9; i++) expect((await search('1234')).status).toBe(200);
    const tenth = await search('1234');
    expect(tenth.status).toBe(200);
    const limited = await search('1234');
    expect(limited.status).toBe(429);
    expect(errorBodySchema.parse(limited.body).error).toMatchObject({ code: 'rate_limited', details: { retry_after_s: 60 } });
    expect((await search('1234', 'manager')).status).toBe(200); // another credential
    t.clock.advance(60_001);
    expect((await search('1234')).status).toBe(200);
  });
});

describe('profile reads per credential', () => {
  it('answers 60 lookups and reads a minute per credential, then 429 with Retry-After: walking card numbers stops there', async () => {
    const made = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '88001000', name: 'Chen' } }, customerCardSchema);
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) statuses.push((await t.call('GET', `/api/v1/customers/lookup?card=${88001000 + i}`, { role: 'clerk' })).status);
    for (let i = 0; i < 20; i++) statuses.push((await t.call('GET', `/api/v1/customers/${made.body.id}`, { role: 'clerk' })).status);
    expect(statuses.filter((s) => s === 429)).toEqual([]);
    const limited = await t.call('GET', '/api/v1/customers/lookup?card=88001000', { role: 'clerk' });
    expect(limited.status).toBe(429);
    expect(errorBodySchema.parse(limited.body).error).toMatchObject({ code: 'rate_limited', details: { retry_after_s: 60 } });
    expect((await t.call('GET', `/api/v1/customers/${made.body.id}`, { role: 'clerk' })).status).toBe(429);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001000', { role: 'manager' })).status).toBe(200); // another credential
    t.clock.advance(30_000);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001000', { role: 'clerk' })).status).toBe(429);
    t.clock.advance(30_001);
    expect((await t.call('GET', '/api/v1/customers/lookup?card=88001000', { role: 'clerk' })).status).toBe(200);
  });
});
