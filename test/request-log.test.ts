import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorBodySchema } from '../server/contract/errors.ts';
import { killAllChildren, runCli, startServer, startServerOnPort, type ServerProcess } from './fault/server-process.ts';
import { findEvent, logLines, nonLogLines, type LogLine } from './support/log-lines.ts';
import { freePort } from './support/postgres-cluster.ts';

/*
 * The real server process's stdout and stderr: structured lines only, a request id that follows a request
 * from its header to its access line and its error body, LOG_LEVEL, and no personal value in any line.
 */

afterAll(killAllChildren);

/** Distinctive values: none may appear in any log line, in any of the forms the appliance stores or masks them. */
const person = {
  name: 'Zebulon Quixotewright',
  phone: '139 8765 4321',
  email: 'Zebulon.Quix@Example.ORG',
  loyalty_card: '8807 7331 9',
  birthday: '1987-04-19',
};
const personal = ['Zebulon', 'Quixotewright', '13987654321', '139 8765 4321', 'zebulon.quix', 'Zebulon.Quix', '88077331', '1987-04-19'];

describe('request log of the store server', () => {
  let server: ServerProcess;
  let clerk: string;
  const call = (path: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, { ...init, headers: { authorization: `Bearer ${clerk}`, 'content-type': 'application/json', ...init.headers } });
  /** The access lines written so far. */
  const accessLines = () => logLines(server.output()).filter((l) => l.event === 'http.request');
  /** Waits for the access line of the request `id` (it is written just after the answer leaves). */
  async function accessLineOf(id: string): Promise<LogLine> {
    for (let i = 0; i < 100; i++) {
      const line = accessLines().find((l) => l.request_id === id);
      if (line) return line;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`no access line for ${id}:\n${server.output()}`);
  }

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'request-log-'));
    clerk = (await runCli(dir, ['token', 'create', '--role', 'clerk'])).trim();
    server = await startServer(dir);
  }, 60_000);

  it('writes only JSON lines, each with ts, level and event; the start is an event with where it listens', () => {
    expect(nonLogLines(server.output())).toEqual([]);
    const lines = logLines(server.output());
    for (const l of lines) {
      expect(Number.isFinite(Date.parse(l.ts)), JSON.stringify(l)).toBe(true);
      expect(['debug', 'info', 'warn', 'error']).toContain(l.level);
    }
    expect(findEvent(server.output(), 'server.started')).toMatchObject({ level: 'info', role: 'store', store_id: 'S001', url: server.url });
  });

  it("echoes the caller's X-Request-Id, carries it on the access line and in the error body", async () => {
    const res = await call('/api/v1/customers/01JNOSUCHCUSTOMER000000000', { headers: { 'x-request-id': 'till-7.req:42' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('x-request-id')).toBe('till-7.req:42');
    const body = errorBodySchema.parse(await res.json());
    expect(body.error).toMatchObject({ code: 'not_found', request_id: 'till-7.req:42' });
    const line = await accessLineOf('till-7.req:42');
    expect(line).toMatchObject({ level: 'info', method: 'GET', route: '/api/v1/customers/:id', status: 404, actor: 'api_token', role: 'clerk' });
    expect(line.duration_ms).toEqual(expect.any(Number));
    expect(JSON.stringify(line)).not.toContain(clerk);
  });

  it('makes an id when the caller sends none or one that is not a plain token', async () => {
    const none = await fetch(`${server.url}/livez`);
    const made = none.headers.get('x-request-id');
    expect(made).toMatch(/^[0-9a-f-]{36}$/);
    expect(await accessLineOf(made!)).toMatchObject({ route: '/livez', status: 200 });
    expect((await accessLineOf(made!)).actor).toBeUndefined();

    const unsafe = await fetch(`${server.url}/livez`, { headers: { 'x-request-id': 'has "quotes" and spaces' } });
    expect(unsafe.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const long = await fetch(`${server.url}/livez`, { headers: { 'x-request-id': 'x'.repeat(65) } });
    expect(long.headers.get('x-request-id')).not.toBe('x'.repeat(65));
    // An unknown path is logged by the catch-all's name, never by the path itself.
    const res = await fetch(`${server.url}/api/v1/no/such/13987654321`);
    expect(res.status).toBe(404);
    const line = await accessLineOf(res.headers.get('x-request-id')!);
    expect(line.route).toBe('other');
    expect((errorBodySchema.parse(await res.json())).error.request_id).toBe(res.headers.get('x-request-id'));
  });

  it('leaves no name, phone, email, card or birthday of a registration and its lookups in any log line', async () => {
    const registered = await call('/api/v1/customers', { method: 'POST', body: JSON.stringify({ ...person, consent: { sms: true, email: true, push: false, call: false } }) });
    expect(registered.status, await registered.clone().text()).toBe(201);
    const id = ((await registered.json()) as { id: string }).id;
    const lookups = [
      `/api/v1/customers/lookup?phone=${encodeURIComponent(person.phone)}`,
      `/api/v1/customers/lookup?email=${encodeURIComponent(person.email)}`,
      `/api/v1/customers/lookup?card=${encodeURIComponent(person.loyalty_card)}`,
    ];
    const ids: string[] = [];
    for (const path of lookups) {
      const res = await call(path);
      expect(res.status, path).toBe(200);
      expect(((await res.json()) as { id: string }).id).toBe(id);
      ids.push(res.headers.get('x-request-id')!);
    }
    // Refused ones too: a duplicate (409) and a lookup whose value is not valid (422) answer with what was wrong.
    const duplicate = await call('/api/v1/customers', { method: 'POST', body: JSON.stringify({ phone: person.phone, name: person.name }) });
    expect(duplicate.status).toBe(409);
    const invalid = await call(`/api/v1/customers/lookup?email=${encodeURIComponent('Zebulon.Quix@')}`);
    expect(invalid.status).toBe(422);
    for (const requestId of [...ids, duplicate.headers.get('x-request-id')!, invalid.headers.get('x-request-id')!]) {
      expect(await accessLineOf(requestId)).toMatchObject({ route: expect.stringMatching(/^\/api\/v1\/customers/), role: 'clerk' });
    }
    expect((await accessLineOf(ids[0]!)).route).toBe('/api/v1/customers/lookup');
    const output = server.output();
    for (const value of personal) expect(output.includes(value), `${value} in the log`).toBe(false);
  });
});

describe('LOG_LEVEL', () => {
  it('warn: no info line (no access lines, no start-up events), warnings still written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'request-log-warn-'));
    // A central that is not there: the sync agent's failed push is a warning.
    const nowhere = await freePort();
    const server = await startServerOnPort(dir, await freePort(), {
      LOG_LEVEL: 'warn',
      CENTRAL_URL: `http://127.0.0.1:${nowhere}`,
      SYNC_TOKEN: 'sync-token-that-goes-nowhere',
      SYNC_PII_TRANSFER: '1',
    });
    expect((await fetch(`${server.url}/api/v1/customers/lookup?card=1`)).status).toBe(401);
    for (let i = 0; i < 100 && !findEvent(server.output(), 'sync.push.failed'); i++) await new Promise((r) => setTimeout(r, 100));
    const lines = logLines(server.output());
    expect(nonLogLines(server.output())).toEqual([]);
    expect(lines.find((l) => l.event === 'sync.push.failed')).toMatchObject({ level: 'warn' });
    expect(lines.filter((l) => l.level === 'info' || l.level === 'debug')).toEqual([]);
    await server.stop();
  }, 60_000);
});
