import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, startServerOnPort } from './fault/server-process.ts';
import { logLines } from './support/log-lines.ts';

/*
 * server/main.ts on a port that is taken: it exits 2 with server.listen_failed before any background work
 * (the sync agent logs sync.started when it begins) and leaves no DATA_DIR/server.pid behind.
 */

const dir = mkdtempSync(join(tmpdir(), 'listen-failure-'));
afterAll(async () => {
  await killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe('a port already taken', () => {
  it('ends the start with exit 2 before the sync agent, the sweep or the backup schedule begin', async () => {
    // Not an appliance: its /livez never answers 200, so the helper waits for the process to exit.
    const taken = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('someone else', { status: 503 }) });
    try {
      const sync = { CENTRAL_URL: 'http://127.0.0.1:9', SYNC_TOKEN: 'x'.repeat(32), SYNC_PII_TRANSFER: '1' };
      const failure = await startServerOnPort(dir, taken.port!, sync).then(
        () => null,
        (error: Error) => error.message,
      );
      expect(failure).toMatch(/^server exited during start \(2\)/);
      const events = logLines(failure!.slice(failure!.indexOf('\n') + 1)).map((l) => l.event);
      expect(events).toContain('server.listen_failed');
      expect(events.filter((e) => /^(sync|sweep|backup|scoring)\./.test(e))).toEqual([]);
      expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    } finally {
      void taken.stop(true);
    }
  }, 30_000);
});
