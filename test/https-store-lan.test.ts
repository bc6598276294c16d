import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren, runCli, startServer } from './fault/server-process.ts';
import { freePort } from './support/postgres-cluster.ts';
import { errorCodeOf, resultOf } from './fault/pos-load.ts';
import { logLines } from './support/log-lines.ts';

/*
 * Point 8 of issue #10: `cli tls init` makes a store CA and the box's certificate; with TLS_CERT/TLS_KEY the real
 * server serves HTTPS that a client trusting only that CA accepts, and TERMINAL_HTTP_PORT takes POS posts in
 * plain HTTP and nothing else.
 */

const dirs: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

const sale = (receipt: string) => ({
  store_id: 'S001',
  terminal_id: 'T01',
  receipt_no: receipt,
  occurred_at: new Date(Date.now() - 60_000).toISOString(),
  kind: 'sale',
  customer: { loyalty_card: '88001234' },
  lines: [{ sku: '6901234567890', name: 'Oolong tea 500ml', category: 'beverages', quantity: 2, unit_price: 4.5, discount: 0, amount: 9 }],
  tenders: [{ type: 'card', amount: 9 }],
  change: 0,
  points_redeemed: 0,
});

describe('HTTPS on the store LAN', () => {
  it('tls init writes a store CA and a server certificate for the box, keys 0600, and refuses to overwrite without --force', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-tls-'));
    dirs.push(dir);
    const fingerprint = (await runCli(dir, ['tls', 'init', '--hosts', 'till-lan.example,10.20.30.40'])).trim();
    const tls = join(dir, 'tls');
    const ca = new X509Certificate(readFileSync(join(tls, 'ca.crt')));
    const server = new X509Certificate(readFileSync(join(tls, 'server.crt')));
    expect(fingerprint).toBe(ca.fingerprint256);
    expect(ca.ca).toBe(true);
    expect(server.ca).toBe(false);
    expect(server.verify(ca.publicKey)).toBe(true);
    expect(server.checkIssued(ca)).toBe(true);
    const days = (x: X509Certificate) => (Date.parse(x.validTo) - Date.parse(x.validFrom)) / 86_400_000;
    expect(days(ca)).toBeGreaterThan(3650);
    expect(days(server)).toBeLessThanOrEqual(825 + 1); // + the hour it is back-dated
    for (const name of ['localhost', 'till-lan.example']) expect(server.checkHost(name)).toBe(name);
    for (const ip of ['127.0.0.1', '10.20.30.40']) expect(server.checkIP(ip)).toBe(ip);
    for (const key of ['ca.key', 'server.key']) expect(statSync(join(tls, key)).mode & 0o777).toBe(0o600);

    await expect(runCli(dir, ['tls', 'init'])).rejects.toThrow(/already exist/);
    // --force issues a new server certificate and keeps the CA the tablets already trust.
    expect((await runCli(dir, ['tls', 'init', '--force'])).trim()).toBe(fingerprint);
    expect(new X509Certificate(readFileSync(join(tls, 'server.crt'))).serialNumber).not.toBe(server.serialNumber);
    expect((await runCli(dir, ['tls', 'init', '--force', '--new-ca'])).trim()).not.toBe(fingerprint);
  }, 30_000);

  it('serves HTTPS trusted through the store CA; the terminal port takes POS posts only', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'store-https-'));
    dirs.push(dir);
    await runCli(dir, ['tls', 'init']);
    const terminalToken = (await runCli(dir, ['token', 'create', '--role', 'terminal'])).trim();
    const managerToken = (await runCli(dir, ['token', 'create', '--role', 'manager'])).trim();
    const caPem = readFileSync(join(dir, 'tls', 'ca.crt'), 'utf8');
    const terminalPort = await freePort();
    const server = await startServer(dir, 20_000, {
      TLS_CERT: join(dir, 'tls', 'server.crt'),
      TLS_KEY: join(dir, 'tls', 'server.key'),
      TERMINAL_HTTP_PORT: String(terminalPort),
    });
    expect(server.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const trusted = { tls: { ca: caPem } };
    const manager = { authorization: `Bearer ${managerToken}` };

    // Only a client that trusts the store CA gets through; plain HTTP on the TLS port gets no answer.
    expect((await fetch(`${server.url}/health`, trusted)).status).toBe(200);
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
    await expect(fetch(`${server.url.replace('https:', 'http:')}/health`)).rejects.toThrow();

    // The CA certificate, for a tablet to download; public.
    const caRes = await fetch(`${server.url}/store-ca.crt`, trusted);
    expect(caRes.status).toBe(200);
    expect(caRes.headers.get('content-type')).toBe('application/x-x509-ca-cert');
    expect(await caRes.text()).toBe(caPem);

    // A till without TLS posts a sale on the terminal port.
    const terminals = `http://127.0.0.1:${terminalPort}`;
    const posted = await fetch(`${terminals}/api/v1/transactions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${terminalToken}` },
      body: JSON.stringify(sale('R-1')),
    });
    expect(posted.status).toBe(201);
    const customerId = resultOf(await posted.json()).customer_id;
    expect(customerId).not.toBeNull();

    // The same profile: readable over HTTPS, refused on the terminal port whatever the token.
    expect((await fetch(`${server.url}/api/v1/customers/${customerId}`, { ...trusted, headers: manager })).status).toBe(200);
    const refusedIds: string[] = [];
    for (const path of [`/api/v1/customers/${customerId}`, '/store-ca.crt', '/', '/health']) {
      const res = await fetch(`${terminals}${path}`, { headers: manager });
      expect(res.status, path).toBe(403);
      const body = (await res.json()) as { error: { request_id?: string } };
      expect(errorCodeOf(body), path).toBe('forbidden');
      // The same request-id path as the app's answers: in the body, in the header, on the access line.
      expect(body.error.request_id, path).toMatch(/^[0-9a-f-]{36}$/);
      expect(res.headers.get('x-request-id'), path).toBe(body.error.request_id);
      refusedIds.push(body.error.request_id!);
    }
    const traced = await fetch(`${terminals}/health`, { headers: { 'x-request-id': 'till-7-0042' } });
    expect(((await traced.json()) as { error: { request_id?: string } }).error.request_id).toBe('till-7-0042');

    const stopped = await server.stop();
    expect(stopped.code, server.output()).toBe(0);
    // One access line per refusal, under its request id.
    const refusedLines = logLines(server.output()).filter((l) => l.event === 'http.request' && l.status === 403);
    expect(refusedLines.map((l) => l.request_id)).toEqual(expect.arrayContaining([...refusedIds, 'till-7-0042']));
  }, 60_000);
});
