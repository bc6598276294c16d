import { Database } from 'bun:sqlite';
import { rmSync } from 'node:fs';
import { dbPath } from '../server/db/open.ts';
import { afterEach, describe, expect, it } from 'vitest';
import { gracefulStop } from '../server/app/graceful-stop.ts';
import { createTestAppliance, type TestAppliance } from './support/test-appliance.ts';
import { collectingLogger, type LogLine } from './support/log-lines.ts';

/*
 * server/app/graceful-stop.ts on a real appliance behind a real Bun listener: what is in flight is answered,
 * open event streams do not hold the stop, the database is closed before exit 0; and a stop that cannot
 * finish exits 1 by itself. (The whole process under POS load: test/fault/sigterm-drain.test.ts.)
 */

let store: TestAppliance | null = null;
afterEach(() => {
  if (store) rmSync(store.dir, { recursive: true, force: true });
  store = null;
});

function serve(t: TestAppliance, slow: Promise<void>) {
  // One extra route that waits on the test before writing through the queue: a request in flight.
  return Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: async (request) => {
      if (new URL(request.url).pathname !== '/slow-write') return t.app.fetch(request);
      await slow;
      await t.deps.writes.run(() => t.deps.sqlite.run("INSERT INTO store_metrics (key, value, computed_at) VALUES ('slow', '1', 0)"));
      return new Response('written');
    },
  });
}

describe('graceful stop', () => {
  it('answers the request in flight, ends event streams, drains writes, closes the database, exits 0', async () => {
    store = createTestAppliance();
    const t = store;
    let release = () => {};
    const server = serve(t, new Promise<void>((r) => (release = r)));
    const url = `http://127.0.0.1:${server.port}`;
    const events = await fetch(`${url}/api/v1/events`, { headers: { authorization: `Bearer ${t.tokens.clerk}` } });
    expect(events.status).toBe(200);
    const inFlight = fetch(`${url}/slow-write`).then((r) => r.text());
    await new Promise((r) => setTimeout(r, 50));

    const exits: number[] = [];
    const lines: LogLine[] = [];
    // Neither timer may decide this test: only the stop's own steps can make it exit.
    const stop = gracefulStop({ servers: [server], background: [], deps: t.deps, log: collectingLogger(lines), exit: (c) => exits.push(c), hardStopMs: 60_000, requestsGraceMs: 60_000 });
    const stopping = stop();
    expect(stop()).toBe(stopping); // a second signal changes nothing
    await expect(fetch(`${url}/health`)).rejects.toThrow(); // no longer accepting
    release();
    await expect(inFlight).resolves.toBe('written');
    await stopping;
    expect(exits).toEqual([0]);
    expect(lines.at(-1)).toMatchObject({ event: 'server.stopped', duration_ms: expect.any(Number) });
    // The stream ended (not cut by a timer: those are a minute away).
    const reader = events.body!.getReader();
    for (;;) if ((await reader.read()).done) break;
    expect(() => t.deps.sqlite.query('SELECT 1').get()).toThrow(); // closed
    const file = new Database(dbPath(t.dir), { readonly: true });
    expect(file.query("SELECT value FROM store_metrics WHERE key = 'slow'").get()).toEqual({ value: '1' });
    file.close();
  });

  it('exits 1 with a log line when the stop cannot finish in time', async () => {
    store = createTestAppliance();
    const t = store;
    let release = () => {};
    const server = serve(t, new Promise<void>((r) => (release = r)));
    const hung = fetch(`http://127.0.0.1:${server.port}/slow-write`).catch(() => null);
    await new Promise((r) => setTimeout(r, 50));
    const exits: number[] = [];
    const lines: LogLine[] = [];
    let exited = () => {};
    const firstExit = new Promise<void>((r) => (exited = r));
    const stopping = gracefulStop({
      servers: [server],
      background: [],
      deps: t.deps,
      log: collectingLogger(lines),
      exit: (c) => {
        exits.push(c);
        exited();
      },
      hardStopMs: 200,
      requestsGraceMs: 60_000,
    })();
    await firstExit;
    expect(exits).toEqual([1]);
    expect(lines).toContainEqual(expect.objectContaining({ event: 'server.stop_timeout', after_ms: 200, exit_code: 1 }));
    // In a real process exit(1) ended everything; here the request is let go so the test leaves nothing running.
    release();
    await hung;
    await stopping;
  });
});
