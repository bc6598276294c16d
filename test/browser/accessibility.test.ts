import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Session } from '../../server/contract/session.ts';
import { killAllChildren, runCli, type ServerProcess, startServer } from '../fault/server-process.ts';
import { LANDSCAPE, PORTRAIT, assertPwaBuilt, findShowcase, launchChromium, tabletContext, signInByApi } from './clerk-browser.ts';

/*
 * axe-core (the engine behind Chrome's Lighthouse accessibility audit) over the clerk PWA's screens in real
 * Chromium, in both languages and both orientations: no serious or critical violation of WCAG 2.x A/AA or
 * axe's best practices, and every control's touch target at least 44 px each way.
 */

const AXE_SOURCE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const dataDir = mkdtempSync(join(tmpdir(), 'pwa-a11y-'));
let server: ServerProcess;
let browser: Browser;
let clerk: Session;
let customerId: string;

interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/** The serious and critical violations axe finds on the page as it is now. */
async function seriousViolations(page: Page): Promise<Violation[]> {
  await page.addScriptTag({ path: AXE_SOURCE });
  const all = await page.evaluate(async () => {
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<{ violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[] }> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => JSON.stringify(n.target)) }));
  });
  return all.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** Visible controls whose touch target (the control, or the label row around it) is less than 44 px in either direction. */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const small: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 && box.height === 0) continue;
      const target = (el.closest('label') ?? el).getBoundingClientRect();
      if (target.height < 44 || target.width < 44) small.push(`${el.tagName.toLowerCase()} "${(el.textContent || el.getAttribute('aria-label') || el.getAttribute('name') || '').trim().slice(0, 30)}" ${Math.round(target.width)}×${Math.round(target.height)}`);
    }
    return small;
  });
}

beforeAll(async () => {
  assertPwaBuilt();
  await runCli(dataDir, ['seed', '--customers', '200']);
  await runCli(dataDir, ['staff', 'add', '--name', 'Zhao Min', '--role', 'clerk', '--pin', '2580']);
  server = await startServer(dataDir);
  clerk = await signInByApi(server.url, { name: 'Zhao Min', pin: '2580' });
  customerId = (await findShowcase(server.url, clerk.token)).profile.id;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('accessibility of the clerk PWA (axe-core in Chromium)', () => {
  it('the checks themselves find a violation and a small target when there is one', async () => {
    const context = await tabletContext(browser, LANDSCAPE, 'en');
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('input[name="pin"]').waitFor();
    await page.evaluate(() => document.querySelector('main')?.append(Object.assign(document.createElement('img'), { src: '/icon-192.png' })));
    expect((await seriousViolations(page)).map((v) => v.id)).toContain('image-alt');
    await page.evaluate(() => document.querySelector('main')?.append(Object.assign(document.createElement('button'), { textContent: 'x', style: 'width:20px;height:20px;padding:0' })));
    expect(await smallTargets(page)).toEqual(['button "x" 20×20']);
    await context.close();
  });

  const screens: { name: string; signedIn: boolean; path: () => string; ready: string }[] = [
    { name: 'sign-in', signedIn: false, path: () => '/', ready: 'input[name="pin"]' },
    { name: 'home', signedIn: true, path: () => '/', ready: '#find-title' },
    { name: 'card', signedIn: true, path: () => `/#/customer/${encodeURIComponent(customerId)}`, ready: '#customer-name' },
  ];
  for (const screen of screens) {
    for (const lang of ['zh', 'en'] as const) {
      it(`${screen.name} in ${lang}, landscape and portrait: no serious or critical violations, targets ≥ 44 px`, async () => {
        for (const viewport of [LANDSCAPE, PORTRAIT]) {
          const context = await tabletContext(browser, viewport, lang, screen.signedIn ? clerk : undefined);
          const page = await context.newPage();
          await page.goto(`${server.url}${screen.path()}`);
          await page.locator(screen.ready).first().waitFor();
          expect(await seriousViolations(page)).toEqual([]);
          expect(await smallTargets(page)).toEqual([]);
          await context.close();
        }
      });
    }
  }
});
