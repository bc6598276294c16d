import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerActionsSchema } from '../../server/contract/actions.ts';
import { type CustomerCard, customerCardSchema } from '../../server/contract/profile.ts';
import type { Session } from '../../server/contract/session.ts';
import { killAllChildren, runCli, type ServerProcess, startServer } from '../fault/server-process.ts';
import { LANDSCAPE, PORTRAIT, SCREENSHOTS, apiGet, assertPwaBuilt, launchChromium, launchPersistentChromium, tabletContext, signInByApi } from './clerk-browser.ts';

/*
 * The clerk PWA without its server: the real appliance process is stopped (and the browser set offline),
 * the tablet keeps working from its precache and IndexedDB, and what it queued arrives once when the same
 * server comes back on the same port. Also registration, an expired session and installability.
 */

const dataDir = mkdtempSync(join(tmpdir(), 'pwa-offline-'));
const STAFF = { name: 'Zhao Min', pin: '2468' };
/** The survey actions of server/actions/action-catalog.ts. */
const SURVEY_TYPES = ['first_purchase_thanks', 'win_back'];
let server: ServerProcess;
let browser: Browser;
let session: Session;

/** Demo customers by card number with at least one open action; `survey` asks for a survey action. */
async function customersWithActions(): Promise<{ card: string; profile: CustomerCard }[]> {
  const found: { card: string; profile: CustomerCard }[] = [];
  for (let attempt = 0; attempt < 50 && found.length < 4; attempt++) {
    found.length = 0;
    for (let n = 1; n <= 120; n++) {
      const card = String(8800000000 + n);
      const res = await fetch(`${server.url}/api/v1/customers/lookup?card=${card}`, { headers: { authorization: `Bearer ${session.token}` } });
      if (!res.ok) continue;
      const profile = customerCardSchema.parse(await res.json());
      if (profile.name && profile.actions.length > 0) found.push({ card, profile });
    }
    if (found.length < 4) await new Promise((r) => setTimeout(r, 200)); // actions come with the first scoring
  }
  return found;
}

/** Reads the store's SQLite file (read-only, beside the running or stopped server). */
function readStore<T>(sql: string, ...params: string[]): T[] {
  const db = new Database(join(dataDir, 'store.db'), { readonly: true });
  try {
    return db.query<T, string[]>(sql).all(...params);
  } finally {
    db.close();
  }
}

function outcomeFacts(actionId: string): { outcome: string; survey_answer: string | null; staff: string | null }[] {
  return readStore(
    `SELECT json_extract(data, '$.outcome') AS outcome, json_extract(data, '$.survey_answer') AS survey_answer,
       json_extract(data, '$.by.staff_id') AS staff FROM customer_events WHERE kind = 'action_outcome' AND json_extract(data, '$.action_id') = ?`,
    actionId,
  );
}

async function signInOnPage(page: Page): Promise<void> {
  await page.getByLabel('Name').fill(STAFF.name);
  await page.getByLabel('PIN').fill(STAFF.pin);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

async function scan(page: Page, digits: string): Promise<void> {
  await page.locator('#find-title').waitFor();
  await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
  await page.keyboard.type(digits);
  await page.keyboard.press('Enter');
}

/** The page is controlled by the service worker, whose precache is complete. */
async function swReady(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
  });
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null);
}

/** The card is in the tablet's IndexedDB (it is written just after the card shows). */
async function waitCardKept(page: Page, id: string): Promise<void> {
  await page.waitForFunction(
    (customerId) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open('clerk-offline');
        open.onsuccess = () => {
          const get = open.result.transaction('cards').objectStore('cards').get(customerId);
          get.onsuccess = () => resolve(get.result !== undefined);
          get.onerror = () => resolve(false);
        };
        open.onerror = () => resolve(false);
      }),
    id,
  );
}

const port = () => Number(new URL(server.url).port);

let customers: { card: string; profile: CustomerCard }[];

beforeAll(async () => {
  assertPwaBuilt();
  await runCli(dataDir, ['seed', '--customers', '300']);
  await runCli(dataDir, ['staff', 'add', '--name', STAFF.name, '--role', 'clerk', '--pin', STAFF.pin]);
  server = await startServer(dataDir);
  session = await signInByApi(server.url, STAFF);
  customers = await customersWithActions();
  if (customers.length < 4) throw new Error('the demo store has too few customers with actions');
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the clerk PWA offline', () => {
  it('opens a kept card with the server stopped, queues an outcome and delivers it exactly once on return', async () => {
    const { card, profile } = customers[0]!;
    const action = profile.actions[0]!;
    const context = await tabletContext(browser, LANDSCAPE, 'en', session);
    const page = await context.newPage();
    await page.goto(server.url);
    await swReady(page);
    await scan(page, card);
    await page.locator('#customer-name').waitFor();
    await waitCardKept(page, profile.id);

    await context.setOffline(true);
    const samePort = port();
    await server.stop();
    await page.reload();
    await expect(page.getByTestId('as-of').textContent()).resolves.toMatch(/Saved copy as of/);
    await expect(page.locator('#customer-name').textContent()).resolves.toBe(profile.name);
    await page.getByTestId('offline').waitFor();
    // Scanning the same card offline opens the kept card too.
    await page.getByRole('button', { name: 'Find a customer' }).click();
    await scan(page, card);
    await page.getByTestId('as-of').waitFor();
    expect(page.url()).toContain(`#/customer/${encodeURIComponent(profile.id)}`);

    const item = page.locator(`[data-action-id="${action.id}"]`);
    await item.locator('[data-outcome="done"]').click();
    await page.getByTestId('outcome-waiting').waitFor();
    await expect(page.getByTestId('waiting').getAttribute('data-count')).resolves.toBe('1');
    await expect(page.getByTestId('waiting').textContent()).resolves.toBe('1 change waiting to be sent');
    expect(outcomeFacts(action.id)).toEqual([]);
    // A consent change made offline waits too, shown as such on the card.
    const callConsent = page.locator('input[name="consent-call"]');
    const call = !(await callConsent.isChecked());
    await callConsent.setChecked(call);
    await page.locator('[data-channel="call"] .chip-waiting').waitFor();
    await expect(page.getByTestId('waiting').getAttribute('data-count')).resolves.toBe('2');
    await page.screenshot({ path: join(SCREENSHOTS, 'card-offline-en-landscape.png'), fullPage: true });

    server = await startServer(dataDir, 20_000, { PORT: String(samePort) });
    session = await signInByApi(server.url, STAFF);
    await context.setOffline(false);
    // Sessions live in the server's memory: the restarted server has ended them all. The changes wait.
    await page.getByLabel('PIN').waitFor();
    await expect(page.getByTestId('waiting').getAttribute('data-count')).resolves.toBe('2');
    await signInOnPage(page);
    await page.getByTestId('waiting').waitFor({ state: 'detached', timeout: 15_000 });
    await expect(item.getAttribute('data-status')).resolves.toBe('done');
    const open = await apiGet(`${server.url}/api/v1/customers/${profile.id}/actions`, session.token, customerActionsSchema);
    expect(open.actions.map((a) => a.id)).not.toContain(action.id);
    expect(outcomeFacts(action.id)).toEqual([{ outcome: 'done', survey_answer: null, staff: session.staff.id }]);
    const after = await apiGet(`${server.url}/api/v1/customers/${profile.id}`, session.token, customerCardSchema);
    expect(after.consent.call).toBe(call);
    const consentChanges = readStore<{ client_id: string }>(
      `SELECT json_extract(data, '$.client_id') AS client_id FROM customer_events WHERE kind = 'profile_updated' AND recorded_customer_id = ?`,
      profile.id,
    );
    expect(consentChanges).toHaveLength(1);
    expect(consentChanges[0]?.client_id).toMatch(/^[\w-]{8,64}$/);
    // Nothing is sent again later: the outbox is empty and a reload shows the outcome from the server.
    await page.reload();
    await page.locator('#customer-name').waitFor();
    await expect(page.getByTestId('as-of').count()).resolves.toBe(0);
    expect(outcomeFacts(action.id)).toHaveLength(1);
    await context.close();
  });

  it('registers a customer made offline exactly once, with the consents ticked', async () => {
    const cardNo = '88009999';
    const context = await tabletContext(browser, PORTRAIT, 'en', session);
    const page = await context.newPage();
    await page.goto(server.url);
    await swReady(page);
    await context.setOffline(true);
    await scan(page, cardNo);
    // Offline nobody can say whether they exist: the tablet offers to register them anyway.
    await page.getByRole('button', { name: 'Register a new member' }).click();
    await expect(page.getByLabel('Loyalty card number').inputValue()).resolves.toBe(cardNo);
    for (const ch of ['sms', 'email', 'push', 'call']) await expect(page.locator(`input[name="consent-${ch}"]`).isChecked()).resolves.toBe(false);
    await page.getByLabel('Name').fill('Qian Yu');
    await page.getByLabel('Text messages (SMS)').check();
    await page.getByLabel('Emails').check();
    await page.getByRole('button', { name: 'Register', exact: true }).click();
    await page.getByTestId('register-queued').waitFor();
    await expect(page.getByTestId('waiting').getAttribute('data-count')).resolves.toBe('1');

    await context.setOffline(false);
    await page.getByTestId('waiting').waitFor({ state: 'detached', timeout: 15_000 });
    const registered = await apiGet(`${server.url}/api/v1/customers/lookup?card=${cardNo}`, session.token, customerCardSchema);
    expect(registered.name).toBe('Qian Yu');
    expect(registered.consent).toEqual({ sms: true, email: true, push: false, call: false });
    const events = readStore<{ customer: string }>(
      `SELECT e.recorded_customer_id AS customer FROM customer_events e WHERE e.kind = 'registered'
         AND e.recorded_customer_id IN (SELECT customer_id FROM identity_links WHERE kind = 'card' AND value = ?)`,
      cardNo,
    );
    expect(events).toEqual([{ customer: registered.id }]);
    await context.close();
  });

  it('keeps a typed survey answer and its outcome through an expired session and delivers it after sign-in', async () => {
    const { profile } = customers.find((c, i) => i > 0 && c.profile.actions.some((a) => SURVEY_TYPES.includes(a.type))) ?? customers[1]!;
    const action = profile.actions.find((a) => SURVEY_TYPES.includes(a.type)) ?? profile.actions[0]!;
    const own = await signInByApi(server.url, STAFF);
    const context = await tabletContext(browser, LANDSCAPE, 'en', own);
    const page = await context.newPage();
    await page.goto(`${server.url}/#/customer/${encodeURIComponent(profile.id)}`);
    const item = page.locator(`[data-action-id="${action.id}"]`);
    const answer = 'Loved the tea, wants a bigger tin';
    await item.getByLabel('Survey answer (optional)').fill(answer);
    // The server forgets the session (as when it expires); the tablet does not know yet.
    expect((await fetch(`${server.url}/api/v1/session`, { method: 'DELETE', headers: { authorization: `Bearer ${own.token}` } })).status).toBe(204);
    await item.locator('[data-outcome="done"]').click();
    await page.getByLabel('PIN').waitFor();
    await expect(page.locator('.banner').first().textContent()).resolves.toContain('session has ended');
    await expect(page.getByTestId('waiting').getAttribute('data-count')).resolves.toBe('1');
    expect(outcomeFacts(action.id)).toEqual([]);

    await signInOnPage(page);
    await page.getByTestId('waiting').waitFor({ state: 'detached', timeout: 15_000 });
    expect(outcomeFacts(action.id)).toEqual([{ outcome: 'done', survey_answer: answer, staff: session.staff.id }]);
    await context.close();
  });

  it('keeps a survey answer being typed across a return to sign-in', async () => {
    const { profile } = customers.find((c, i) => i > 1 && c.profile.actions.some((a) => SURVEY_TYPES.includes(a.type))) ?? customers[2]!;
    const action = profile.actions.find((a) => SURVEY_TYPES.includes(a.type));
    if (!action) throw new Error('no demo customer with a second survey action');
    const own = await signInByApi(server.url, STAFF);
    const context = await tabletContext(browser, LANDSCAPE, 'en', own);
    const page = await context.newPage();
    await page.goto(`${server.url}/#/customer/${encodeURIComponent(profile.id)}`);
    const field = page.locator(`[data-action-id="${action.id}"]`).getByLabel('Survey answer (optional)');
    await field.fill('Half typed');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await signInOnPage(page);
    await expect(field.inputValue()).resolves.toBe('Half typed');
    await context.close();
  });

  it('says once, dismissibly, that a new version took over', async () => {
    const context = await tabletContext(browser, LANDSCAPE, 'en', session);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('#find-title').waitFor();
    await expect(page.getByTestId('updated-note').count()).resolves.toBe(0);
    // As if the tablet last ran an older build: the next navigation runs this one.
    await page.evaluate(() => localStorage.setItem('clerk.build', 'an-older-build'));
    await page.reload();
    await expect(page.getByTestId('updated-note').textContent()).resolves.toContain('updated to the new version');
    await page.getByTestId('updated-note').getByRole('button', { name: 'OK' }).click();
    await expect(page.getByTestId('updated-note').count()).resolves.toBe(0);
    await page.reload();
    await page.locator('#find-title').waitFor();
    await expect(page.getByTestId('updated-note').count()).resolves.toBe(0);
    await context.close();
  });

  it('is installable: Chromium reports no installability errors', async () => {
    const profileDir = mkdtempSync(join(tmpdir(), 'pwa-chromium-'));
    const context = await launchPersistentChromium(profileDir, LANDSCAPE);
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.goto(server.url);
      await swReady(page);
      const cdp = await context.newCDPSession(page);
      const { installabilityErrors } = await cdp.send('Page.getInstallabilityErrors');
      expect(installabilityErrors).toEqual([]);
    } finally {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    }
  });

  it('saves the registration form in both languages', async () => {
    for (const lang of ['zh', 'en'] as const) {
      const context = await tabletContext(browser, PORTRAIT, lang, session);
      const page = await context.newPage();
      await page.goto(server.url);
      await scan(page, '88007654');
      await page.locator('.banner button').click();
      await page.locator('#register-title').waitFor();
      await page.locator('input[name="consent-sms"]').check();
      await page.screenshot({ path: join(SCREENSHOTS, `register-${lang}-portrait.png`), fullPage: true });
      await context.close();
    }
  });

  it('says in the tablet language that the server cannot be reached, never a blank page', async () => {
    const context = await tabletContext(browser, LANDSCAPE, 'zh', session);
    const page = await context.newPage();
    await page.goto(server.url);
    await swReady(page);
    await server.stop();
    await page.goto(`${server.url}/#/customer/${encodeURIComponent(customers[3]!.profile.id)}`);
    await expect(page.getByRole('alert').textContent()).resolves.toContain('无法连接到店内服务器');
    await page.getByTestId('offline').waitFor();
    await context.close();
  });
});
