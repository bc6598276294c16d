import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killAllChildren, runCli, type ServerProcess, startServer } from './fault/server-process.ts';

/*
 * The real server process (Bun.serve): a request is authenticated before a byte of its body is read, and a body
 * over the limit gets the JSON error, never Bun's bare 413, however it is sent.
 */

const dir = mkdtempSync(join(tmpdir(), 'body-limits-'));
let server: ServerProcess;
let terminal: string;
beforeAll(async () => {
  terminal = (await runCli(dir, ['token', 'create', '--role', 'terminal'], { STORE_DEMO: '0' })).trim();
  server = await startServer(dir, 20_000, { STORE_DEMO: '0' });
}, 60_000);
afterAll(async () => {
  await killAllChildren();
  rmSync(dir, { recursive: true, force: true });
});

/** Sends the head and `bodyStart` over a raw socket and reads the answer; the rest of the announced body is never sent. */
function rawPost(path: string, headers: Record<string, string>, bodyStart: string): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let answer = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer; the server was waiting for the body (${answer.length} bytes so far)`));
    }, 5000);
    socket.on('data', (d) => {
      answer += d.toString('utf8');
      const head = answer.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(answer)?.[1];
      if (head >= 0 && length !== undefined && answer.length >= head + 4 + Number(length)) {
        clearTimeout(timer);
        socket.destroy();
        resolve({ status: Number(answer.slice(9, 12)), body: answer.slice(head + 4) });
      }
    });
    socket.on('error', reject);
    const lines = [`POST ${path} HTTP/1.1`, `host: ${hostname}`, ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
    socket.write(`${lines.join('\r\n')}\r\n\r\n${bodyStart}`);
  });
}

describe('bodies and tokens on the real server', () => {
  it('answers 401 to a request without a token before reading its body (1 GB announced, one byte sent)', async () => {
    for (const path of ['/api/v1/transactions/batch', '/api/v1/transactions', '/api/v1/poslog', '/api/v1/customers']) {
      const res = await rawPost(path, { 'content-type': 'application/json', 'content-length': String(1e9) }, '{');
      expect(res.status).toBe(401);
      expect(JSON.parse(res.body).error.code).toBe('unauthorized');
    }
  });

  it('answers the JSON 413 to an authenticated body over the limit, announced or streamed, even far past it', async () => {
    const announced = await rawPost('/api/v1/transactions/batch', { authorization: `Bearer ${terminal}`, 'content-type': 'application/json', 'content-length': String(64 * 1024 * 1024) }, '{');
    expect(announced.status).toBe(413);
    expect(JSON.parse(announced.body).error).toMatchObject({ code: 'payload_too_large', details: { max_bytes: 8 * 1024 * 1024 } });
    // 40 MiB in chunks without a length: counted as it arrives, refused once past the limit.
    const chunk = new Uint8Array(1024 * 1024).fill(0x20);
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        for (let i = 0; i < 40; i++) controller.enqueue(chunk);
        controller.close();
      },
    });
    const streamed = await fetch(`${server.url}/api/v1/transactions/batch`, { method: 'POST', headers: { authorization: `Bearer ${terminal}`, 'content-type': 'application/json' }, body: stream, duplex: 'half' } as RequestInit);
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe('payload_too_large');
  });
});
