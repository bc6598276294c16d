import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterAll, describe, expect, it } from 'vitest';
import { pwaStatic } from '../server/app/pwa-static.ts';
import { errorBodySchema } from '../server/contract/errors.ts';

const dist = `${mkdtempSync(join(tmpdir(), 'pwa-dist-'))}/`;
mkdirSync(join(dist, 'assets'));
writeFileSync(join(dist, 'index.html'), '<!doctype html><html lang="zh-CN"><title>app</title></html>');
writeFileSync(join(dist, 'sw.js'), 'self.x=1');
writeFileSync(join(dist, 'assets/index-abc123.js'), 'console.log(1)');
afterAll(() => rmSync(dist, { recursive: true, force: true }));

function appWith(dir: string, lang: 'zh' | 'en' = 'zh') {
  const app = new Hono();
  app.get('/api/v1/thing', (c) => c.json({ ok: true }));
  app.notFound((c) => c.json({ error: { code: 'not_found', message: 'no route', details: null } }, 404));
  app.use('*', pwaStatic({ lang }, dir));
  return app;
}

describe('serving the built PWA', () => {
  const app = appWith(dist);

  it('serves index.html at / and for app paths, revalidated every time', async () => {
    for (const path of ['/', '/customer/abc']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toContain('text/html');
      expect(res.headers.get('cache-control')).toBe('no-cache');
      expect(await res.text()).toContain('<title>app</title>');
    }
  });

  it("starts tablets in the store's language (STORE_LOCALE) on the app shell", async () => {
    await expect((await app.request('/')).text()).resolves.toContain('<html lang="zh-CN" data-store-lang="zh">');
    const english = await appWith(dist, 'en').request('/customer/abc');
    await expect(english.text()).resolves.toContain('<html lang="en-GB" data-store-lang="en">');
  });

  it('keeps hashed assets for a year and the service worker not at all', async () => {
    const asset = await app.request('/assets/index-abc123.js');
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toContain('text/javascript');
    const sw = await app.request('/sw.js');
    expect(sw.headers.get('cache-control')).toBe('no-cache');
  });

  it('leaves the API, missing files and paths outside dist alone', async () => {
    expect(await (await app.request('/api/v1/thing')).json()).toEqual({ ok: true });
    expect((await app.request('/api/v1/nope')).status).toBe(404);
    expect((await app.request('/assets/missing.js')).status).toBe(404);
    const escape = await app.request('/..%2f..%2fetc%2fpasswd');
    expect(await escape.text()).not.toContain('root:');
  });

  it('answers 503 with the fix when the PWA is not built', async () => {
    const res = await appWith(join(dist, 'nothing-here/')).request('/');
    expect(res.status).toBe(503);
    const body = errorBodySchema.parse(await res.json());
    expect(body.error.message).toContain('npm run build:pwa');
  });
});
