import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import type * as z from 'zod';
import { type CustomerCard, customerCardSchema } from '../../server/contract/profile.ts';
import { type Session, sessionSchema } from '../../server/contract/session.ts';

/* Headless Chromium (Debian's) against the real appliance process, for the clerk PWA's browser tests. */

export const SCREENSHOTS = fileURLToPath(new URL('./screenshots/', import.meta.url));
const DIST_INDEX = fileURLToPath(new URL('../../pwa/dist/index.html', import.meta.url));

export const LANDSCAPE = { width: 1280, height: 800 };
export const PORTRAIT = { width: 800, height: 1280 };

export function assertPwaBuilt(): void {
  if (!existsSync(DIST_INDEX)) throw new Error('pwa/dist is missing: run `npm run build:pwa` (npm install and npm ci run it)');
  mkdirSync(SCREENSHOTS, { recursive: true });
}

const LAUNCH = {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
};

export function launchChromium(): Promise<Browser> {
  return chromium.launch(LAUNCH);
}

/** Chromium with a real profile in `userDataDir`: what installability needs (an incognito context is never installable). */
export function launchPersistentChromium(userDataDir: string, viewport: { width: number; height: number }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(userDataDir, { ...LAUNCH, viewport });
}

/** A tablet already signed in with `session`, in `lang`, as the PWA keeps them (sessionStorage, localStorage). */
export async function tabletContext(browser: Browser, viewport: { width: number; height: number }, lang: 'zh' | 'en', session?: Session): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport, locale: lang === 'zh' ? 'zh-CN' : 'en-GB', timezoneId: 'Asia/Shanghai' });
  await context.addInitScript(
    ([l, s]) => {
      if (!localStorage.getItem('clerk.lang')) localStorage.setItem('clerk.lang', l as string);
      if (s && !sessionStorage.getItem('clerk.session')) sessionStorage.setItem('clerk.session', s as string);
    },
    [lang, session ? JSON.stringify(session) : ''],
  );
  return context;
}

/** GET on the API with a token, the body parsed with its contract schema. */
export async function apiGet<S extends z.ZodType>(url: string, token: string, schema: S): Promise<z.infer<S>> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  if (!res.ok) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`);
  return schema.parse(await res.json());
}

/**
 * The seeded demo store's first card (8800000001…) whose customer has a name, scores, two open actions and
 * recommendations; the server scores everyone just after it starts, so this waits for that.
 */
export async function findShowcase(url: string, token: string): Promise<{ card: string; profile: CustomerCard }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    for (let n = 1; n <= 30; n++) {
      const digits = String(8800000000 + n);
      const res = await fetch(`${url}/api/v1/customers/lookup?card=${digits}`, { headers: { authorization: `Bearer ${token}` } });
      if (!res.ok) continue;
      const profile = customerCardSchema.parse(await res.json());
      if (profile.name && profile.scores && profile.actions.length >= 2 && profile.recommendations.length > 0) return { card: digits, profile };
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error('no demo customer with scores, actions and recommendations');
}

/** Signs a staff member in through the API, as a tablet does (`POST /api/v1/session`). */
export async function signInByApi(url: string, staff: { name: string; pin: string }): Promise<Session> {
  const res = await fetch(`${url}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: staff.name, pin: staff.pin }) });
  if (res.status !== 201) throw new Error(`sign-in ${staff.name}: ${res.status} ${await res.text()}`);
  return sessionSchema.parse(await res.json());
}
