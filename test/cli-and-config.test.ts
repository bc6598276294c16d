import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { authenticate } from '../server/auth/token.service.ts';
import { ConfigError, loadConfig } from '../server/kernel/config.ts';
import { dbPath, openDb } from '../server/db/open.ts';
import { createTestAppliance } from './support/test-appliance.ts';

const dir = mkdtempSync(join(tmpdir(), 'store-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bun = join(process.cwd(), 'node_modules/.bin/bun');
const cli = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(bun, ['server/cli/index.ts', ...args], { env: { PATH: process.env.PATH ?? '', DATA_DIR: dir, ...env }, encoding: 'utf8' });

describe('cli', () => {
  it('token create prints only the new token, which authenticates with its role', () => {
    const out = cli(['token', 'create', '--role', 'clerk', '--name', 'Tablet 1']);
    expect(out.status).toBe(0);
    expect(out.stdout).toMatch(/^sa_clerk_[A-Za-z0-9_-]+\n$/);
    const sqlite = openDb(dbPath(dir));
    expect(authenticate(sqlite, out.stdout.trim())).toMatchObject({ role: 'clerk', name: 'Tablet 1' });
    const stored = sqlite.query('SELECT token_hash FROM api_tokens').all() as Array<{ token_hash: string }>;
    expect(stored.some((r) => r.token_hash === out.stdout.trim())).toBe(false);
    sqlite.close();
  });

  it('token list names every token without it; token revoke refuses it at a running appliance within a second', async () => {
    const a = createTestAppliance({ env: { STORE_DEMO: '0' } });
    try {
      const env = { DATA_DIR: a.dir, STORE_DEMO: '0' };
      expect((await a.call('GET', '/api/v1/analytics/overview', { role: 'manager' })).status).toBe(200);
      const listed = cli(['token', 'list'], env);
      expect(listed.status).toBe(0);
      const rows = listed.stdout.trim().split('\n').map((l) => JSON.parse(l) as { id: string; name: string; role: string; revoked_at: string | null });
      expect(rows.map((r) => r.role).sort()).toEqual(['admin', 'clerk', 'hq', 'manager', 'terminal']);
      for (const token of Object.values(a.tokens)) expect(listed.stdout).not.toContain(token);
      const manager = rows.find((r) => r.role === 'manager')!;
      const revoked = cli(['token', 'revoke', manager.id], env);
      expect(revoked.status).toBe(0);
      await new Promise((r) => setTimeout(r, 1000));
      expect((await a.call('GET', '/api/v1/analytics/overview', { role: 'manager' })).status).toBe(401);
      expect((await a.call('GET', '/api/v1/analytics/overview', { role: 'admin' })).status).toBe(200);
      const after = cli(['token', 'list'], env).stdout;
      expect(after).toMatch(new RegExp(`"id":"${manager.id}".*"revoked_at":"\\d{4}-`));
      const again = cli(['token', 'revoke', manager.id], env);
      expect(again.status).not.toBe(0);
      expect(again.stderr).toContain('no live token');
    } finally {
      a.close();
    }
  });

  it('refuses an unknown role and bad configuration with a message and a non-zero exit', () => {
    const badRole = cli(['token', 'create', '--role', 'boss']);
    expect(badRole.status).not.toBe(0);
    expect(badRole.stderr).toContain('--role must be one of');
    const badConfig = cli(['token', 'create', '--role', 'clerk'], { PORT: 'eighty', STORE_TZ: 'Mars/Olympus' });
    expect(badConfig.status).not.toBe(0);
    expect(badConfig.stderr).toContain('PORT');
    expect(badConfig.stderr).toContain('STORE_TZ: unknown IANA time zone');
  });

  it('names every cross-field violation together with the bad fields', () => {
    const bad = cli(['token', 'create', '--role', 'clerk'], {
      PORT: 'eighty',
      LIFECYCLE_DORMANT_DAYS: '30',
      LOYALTY_TIERS: '[{"name":"A","min_points":5},{"name":"B","min_points":1}]',
    });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('PORT');
    expect(bad.stderr).toContain('LIFECYCLE_DORMANT_DAYS must be longer');
    expect(bad.stderr).toContain('LOYALTY_TIERS: min_points must be strictly ascending');
  });
});

describe('config', () => {
  it('has the documented defaults', () => {
    const c = loadConfig({});
    expect(c).toMatchObject({ PORT: 8080, DATA_DIR: './data', STORE_ID: 'S001', STORE_CURRENCY: 'CNY', STORE_TZ: 'Asia/Shanghai', LOYALTY_POINTS_PER_UNIT: 1, LOYALTY_RETURN_WINDOW_DAYS: 14, LOYALTY_EXPIRY_DAYS: 365 });
  });

  it('lists every bad field', () => {
    try {
      loadConfig({ STORE_CURRENCY: 'yuan', LOYALTY_TIERS: '[{"name":"A","min_points":5},{"name":"B","min_points":1}]' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues.join('\n')).toContain('STORE_CURRENCY');
    }
    expect(() => loadConfig({ LOYALTY_TIERS: '[{"name":"A","min_points":5},{"name":"B","min_points":1}]' })).toThrow(/ascending/);
    expect(() => loadConfig({ LOYALTY_CATEGORY_MULTIPLIERS: '{oops' })).toThrow(/not valid JSON/);
  });

  it('takes TLS_CERT and TLS_KEY together, and TERMINAL_HTTP_PORT only beside TLS on another port', () => {
    expect(() => loadConfig({ TLS_CERT: '/x/server.crt' })).toThrow(/TLS_CERT and TLS_KEY are set together/);
    expect(() => loadConfig({ TERMINAL_HTTP_PORT: '8081' })).toThrow(/TERMINAL_HTTP_PORT needs TLS_CERT/);
    const tls = { TLS_CERT: '/x/server.crt', TLS_KEY: '/x/server.key' };
    expect(() => loadConfig({ ...tls, PORT: '8443', TERMINAL_HTTP_PORT: '8443' })).toThrow(/must differ from PORT/);
    expect(loadConfig({ ...tls, TERMINAL_HTTP_PORT: '8081' })).toMatchObject({ ...tls, TERMINAL_HTTP_PORT: 8081 });
  });
});
