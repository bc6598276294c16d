import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { customerCardSchema } from '../server/contract/profile.ts';
import { type PresenceEvent, presenceEventSchema } from '../server/contract/presence.ts';
import { createTestAppliance, sale, type TestAppliance } from './support/test-appliance.ts';

let t: TestAppliance;
beforeEach(() => {
  t = createTestAppliance();
});
afterEach(() => t.close());

/** Opens the SSE stream as a clerk's tablet would, and collects its `presence` events as they arrive. */
async function listen() {
  const controller = new AbortController();
  const res = await t.app.request('/api/v1/events', { headers: { authorization: `Bearer ${t.tokens.clerk}` }, signal: controller.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toMatch(/text\/event-stream/);
  const reader = res.body!.getReader();
  const events: PresenceEvent[] = [];
  let buffer = '';
  const pump = (async () => {
    const decoder = new TextDecoder();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true as const }));
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (/^event: presence$/m.test(block)) events.push(presenceEventSchema.parse(JSON.parse(/^data: (.*)$/m.exec(block)![1]!)));
      }
    }
  })();
  /** Waits up to `ms` for the `n`th event. */
  const next = async (n: number, ms = 1000): Promise<PresenceEvent | undefined> => {
    const until = performance.now() + ms;
    while (events.length < n && performance.now() < until) await new Promise((r) => setTimeout(r, 5));
    return events[n - 1];
  };
  const close = async () => {
    controller.abort();
    await reader.cancel().catch(() => undefined);
    await pump;
  };
  return { events, next, close };
}

describe('now at the till', () => {
  it('tells listening tablets, within a second, when a sale names a known customer', async () => {
    const alice = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { loyalty_card: '88001234', name: 'Alice Wang' } }, customerCardSchema);
    const tablet = await listen();
    await new Promise((r) => setTimeout(r, 20)); // subscribed once the stream is open
    const t0 = performance.now();
    expect((await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ terminal_id: 'T07', customer: { loyalty_card: '88001234' } }) })).status).toBe(201);
    const event = await tablet.next(1);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(event).toMatchObject({ customer_id: alice.body.id, name: 'Alice Wang', terminal_id: 'T07', source: 'sale' });
    // An anonymous sale and a replay of the same sale tell nobody.
    await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ customer: undefined }) });
    await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ receipt_no: 'X1', customer: { loyalty_card: '88001234' } }) });
    await t.call('POST', '/api/v1/transactions', { role: 'terminal', body: sale({ receipt_no: 'X1', customer: { loyalty_card: '88001234' } }) });
    await tablet.next(3, 200);
    expect(tablet.events.length).toBe(2);
    await tablet.close();
  });

  it('takes a terminal presence call for a scanned card, never creating a customer', async () => {
    const alice = await t.call('POST', '/api/v1/customers', { role: 'clerk', body: { phone: '13800000000', name: 'Alice' } }, customerCardSchema);
    const tablet = await listen();
    await new Promise((r) => setTimeout(r, 20));
    const res = await t.call('POST', '/api/v1/presence', { role: 'terminal', body: { terminal_id: 'T02', customer: { phone: '138 0000 0000' } } });
    expect(res.status).toBe(202);
    expect(await tablet.next(1)).toMatchObject({ customer_id: alice.body.id, terminal_id: 'T02', source: 'presence' });
    const before = t.counts();
    expect((await t.call('POST', '/api/v1/presence', { role: 'terminal', body: { terminal_id: 'T02', customer: { loyalty_card: '99990000' } } })).status).toBe(404);
    expect((await t.call('POST', '/api/v1/presence', { role: 'terminal', body: { terminal_id: 'T02', customer: { phone: 'nope' } } })).status).toBe(422);
    expect(t.counts()).toEqual(before);
    await tablet.close();
  });

  it('lets only terminals announce and only clerks and managers listen', async () => {
    expect((await t.call('POST', '/api/v1/presence', { role: 'clerk', body: { terminal_id: 'T1', customer: { loyalty_card: '88001234' } } })).status).toBe(403);
    expect((await t.app.request('/api/v1/events', { headers: { authorization: `Bearer ${t.tokens.terminal}` } })).status).toBe(403);
    expect((await t.app.request('/api/v1/events')).status).toBe(401);
  });
});
