import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customerActionsSchema, outcomeResultSchema } from '../../server/contract/actions.ts';
import { type AtRiskList, atRiskListSchema, modelHealthSchema, type Overview, overviewSchema } from '../../server/contract/analytics.ts';
import { customerCardSchema } from '../../server/contract/profile.ts';
import type { Session } from '../../server/contract/session.ts';
import { killAllChildren, runCli, type ServerProcess, startServer } from '../fault/server-process.ts';
import { LANDSCAPE, PORTRAIT, SCREENSHOTS, apiGet, assertPwaBuilt, launchChromium, tabletContext, signInByApi } from './clerk-browser.ts';

/*
 * The manager's dashboard in real headless Chromium against the real appliance process on a seeded demo
 * store: its figures are the API's, the call list is the API's, the CSV download is the API's CSV, and a
 * clerk is refused. Screenshots of the dashboard, both orientations and languages, go to screenshots/.
 */

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const dataDir = mkdtempSync(join(tmpdir(), 'pwa-dashboard-'));
const MANAGER = { name: 'Zhang Min', pin: '2468' };
const CLERK = { name: 'Wang Fang', pin: '1234' };
let server: ServerProcess;
let browser: Browser;
let manager: Session;
let clerk: Session;
let terminalToken: string;

async function post(path: string, token: string, body: unknown): Promise<Response> {
  return fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/**
 * Gives the action figures something to show: a clerk marks the first action of a few demo customers
 * done (one declined), and one of those customers then buys, which converts that action.
 */
async function recordSomeActions(): Promise<void> {
  let done = 0;
  for (let n = 1; n <= 30 && done < 6; n++) {
    const card = String(8800000000 + n);
    const res = await fetch(`${server.url}/api/v1/customers/lookup?card=${card}`, { headers: { authorization: `Bearer ${clerk.token}` } });
    if (!res.ok) continue;
    const { id } = customerCardSchema.parse(await res.json());
    const { actions } = await apiGet(`${server.url}/api/v1/customers/${id}/actions`, clerk.token, customerActionsSchema);
    const action = actions[0];
    if (!action) continue;
    const outcome = done === 5 ? 'declined' : 'done';
    const recorded = await post(`/api/v1/actions/${action.id}/outcome`, clerk.token, { outcome });
    outcomeResultSchema.parse(await recorded.json());
    done += 1;
    if (done === 1) {
      await new Promise((r) => setTimeout(r, 20)); // the sale comes after the outcome
      const amount = 88;
      const sale = await post('/api/v1/transactions', terminalToken, {
        store_id: 'S001',
        terminal_id: 'T09',
        receipt_no: 'DASH-1',
        occurred_at: new Date().toISOString(),
        kind: 'sale',
        customer: { loyalty_card: card },
        lines: [{ sku: 'X1', name: 'Tea', category: 'beverages', quantity: 1, unit_price: amount, discount: 0, amount }],
        tenders: [{ type: 'card', amount }],
      });
      if (sale.status !== 201) throw new Error(`sale: ${sale.status} ${await sale.text()}`);
    }
  }
  if (done < 6) throw new Error('the demo store had too few customers with actions');
}

async function openDashboard(page: Page): Promise<void> {
  await page.goto(`${server.url}/#/dashboard`);
  await page.locator('#dashboard-title').waitFor();
}

const overviewNow = () => apiGet(`${server.url}/api/v1/analytics/overview`, manager.token, overviewSchema);
const atRiskNow = (limit: number) => apiGet(`${server.url}/api/v1/analytics/at-risk?limit=${limit}`, manager.token, atRiskListSchema);
const apiCsv = async (query: string) => (await fetch(`${server.url}/api/v1/audiences/export?${query}`, { headers: { authorization: `Bearer ${manager.token}` } })).text();

beforeAll(async () => {
  assertPwaBuilt();
  await runCli(dataDir, ['seed', '--customers', '300']);
  await runCli(dataDir, ['staff', 'add', '--name', MANAGER.name, '--role', 'manager', '--pin', MANAGER.pin]);
  await runCli(dataDir, ['staff', 'add', '--name', CLERK.name, '--role', 'clerk', '--pin', CLERK.pin]);
  terminalToken = (await runCli(dataDir, ['token', 'create', '--role', 'terminal', '--name', 'till-9'])).trim();
  server = await startServer(dataDir);
  manager = await signInByApi(server.url, MANAGER);
  clerk = await signInByApi(server.url, CLERK);
  await recordSomeActions();
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await killAllChildren();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('manager dashboard in Chromium', () => {
  it('shows the overview API’s figures: stages, repeat conversion, a cohort cell, action conversion', async () => {
    const context = await tabletContext(browser, LANDSCAPE, 'en', manager);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.getByRole('link', { name: 'Dashboard' }).click();
    await page.locator('#dashboard-title').waitFor();
    const o: Overview = await overviewNow();
    const number = (n: number) => new Intl.NumberFormat('en-GB').format(n);
    const percent = (r: number, digits = 0) => new Intl.NumberFormat('en-GB', { style: 'percent', maximumFractionDigits: digits }).format(r);

    for (const s of o.stages) {
      const row = page.locator(`[data-testid="stages"] tr[data-key="${s.stage}"]`);
      await expect(row.locator('[data-testid="customers"]').textContent(), s.stage).resolves.toBe(number(s.customers));
      await expect(row.locator('[data-testid="revenue-share"]').textContent(), s.stage).resolves.toBe(s.revenue_share === null ? '—' : percent(s.revenue_share, 1));
    }
    expect(o.stages.some((s) => s.customers > 0)).toBe(true);

    const d90 = o.repeat_conversion.d90!;
    expect(d90.eligible).toBeGreaterThan(0);
    const repeat = page.locator('[data-window="d90"]');
    await expect(repeat.locator('[data-testid="rate"]').textContent()).resolves.toBe(percent(d90.rate!));
    await expect(repeat.locator('[data-testid="counts"]').textContent()).resolves.toBe(`${number(d90.converted)} of ${number(d90.eligible)} first-time buyers came back`);

    const cohort = o.cohorts[0]!;
    await expect(page.locator(`[data-cohort="${cohort.cohort}"] td[data-month="1"]`).textContent()).resolves.toBe(percent(cohort.retention[1]!));
    expect(await page.locator('[data-testid="cohorts"] tbody tr').count()).toBe(o.cohorts.length);

    expect(o.actions.reduce((s, a) => s + a.done, 0)).toBe(5);
    const converted = o.actions.find((a) => a.converted > 0)!;
    expect(converted).toBeDefined();
    const actionRow = page.locator(`[data-testid="actions"] tr[data-type="${converted.type}"]`);
    await expect(actionRow.locator('[data-testid="rate"]').textContent()).resolves.toBe(percent(converted.conversion_rate!));
    expect(await page.locator('[data-testid="actions"] tbody tr').count()).toBe(o.actions.length);

    for (const s of o.segments) {
      await expect(page.locator(`[data-testid="segments"] tr[data-key="${s.segment}"] [data-testid="customers"]`).textContent()).resolves.toBe(number(s.customers));
    }
    await context.close();
  });

  it('lists the API’s call list, page by page, with tel: links', async () => {
    const context = await tabletContext(browser, LANDSCAPE, 'en', manager);
    const page = await context.newPage();
    await openDashboard(page);
    const api: AtRiskList = await atRiskNow(20);
    expect(api.total).toBeGreaterThan(10);
    const rows = page.locator('[data-testid="at-risk"] tbody tr');
    const shown = () => rows.evaluateAll((trs) => trs.map((tr) => ({ id: tr.getAttribute('data-customer-id'), tel: tr.querySelector('a')?.getAttribute('href') })));
    const expected = api.customers.map((c) => ({ id: c.id, tel: `tel:${c.phone}` }));
    expect(await shown()).toEqual(expected.slice(0, 10));
    await expect(page.locator('[data-testid="at-risk-total"]').textContent()).resolves.toBe(`${api.total} customers`);
    await page.getByRole('button', { name: /^Show \d+ more$/ }).click();
    await expect.poll(() => rows.count()).toBe(20);
    expect(await shown()).toEqual(expected);
    await context.close();
  });

  it('downloads the audience CSV the API exports', async () => {
    const context = await tabletContext(browser, PORTRAIT, 'zh', manager);
    const page = await context.newPage();
    await openDashboard(page);
    await page.getByLabel('联系渠道').selectOption('sms');
    await page.getByLabel('生命周期（可选）').selectOption('at_risk');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: '下载 CSV' }).click()]);
    expect(download.suggestedFilename()).toBe('audience-sms-at_risk.csv');
    const file = readFileSync((await download.path())!, 'utf8').trim().split('\n');
    const api = (await apiCsv('channel=sms&stage=at_risk')).trim().split('\n');
    expect(file[0]).toBe('customer_id,name,stage,segment,channel,contact');
    expect(file[0]).toBe(api[0]);
    expect(file.length).toBe(api.length);
    expect(file.length).toBeGreaterThan(1);
    await expect(page.locator('[data-testid="download-done"]').textContent()).resolves.toContain(`共 ${api.length - 1} 位顾客`);
    await context.close();
  });

  it('shows the store\'s model health as the API gives it: the backtest\'s figures, the recorded snapshot waiting for its horizon', async () => {
    // The server takes both snapshots after its first scoring of the seeded store.
    let health = await apiGet(`${server.url}/api/v1/analytics/models`, manager.token, modelHealthSchema);
    for (let i = 0; i < 120 && health.snapshots.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 500));
      health = await apiGet(`${server.url}/api/v1/analytics/models`, manager.token, modelHealthSchema);
    }
    const backtest = health.snapshots.find((s) => s.kind === 'backtest');
    expect(backtest?.figures?.auc_p_purchase).toBeGreaterThan(0.5);
    const page = await (await tabletContext(browser, LANDSCAPE, 'en', manager)).newPage();
    await openDashboard(page);
    const table = page.getByTestId('model-health');
    await table.waitFor();
    expect(await table.locator('tr[data-kind="backtest"] [data-testid="auc"]').innerText()).toBe(backtest!.figures!.auc_p_purchase!.toFixed(2));
    expect(await table.locator('tr[data-kind="recorded"]').innerText()).toContain('Waiting for the horizon');
    await page.context().close();
  });

  it('refuses a clerk: no dashboard link, a "managers only" page, and 403 from the API', async () => {
    const context = await tabletContext(browser, LANDSCAPE, 'en', clerk);
    const page = await context.newPage();
    await page.goto(server.url);
    await page.locator('#find-title').waitFor();
    expect(await page.getByRole('link', { name: 'Dashboard' }).count()).toBe(0);
    await page.goto(`${server.url}/#/dashboard`);
    await page.locator('[data-testid="managers-only"]').waitFor();
    await expect(page.locator('#managers-only-title').textContent()).resolves.toBe('Managers only');
    expect(await page.locator('#dashboard-title').count()).toBe(0);
    await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-clerk-refused-en-landscape.png') });
    for (const path of ['/api/v1/analytics/overview', '/api/v1/analytics/at-risk', '/api/v1/audiences/export?channel=sms']) {
      const res = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${clerk.token}` } });
      expect(res.status, path).toBe(403);
    }
    await context.close();
  });

  it('shows empty states, not errors, for a store without data', async () => {
    const emptyDir = mkdtempSync(join(tmpdir(), 'pwa-dashboard-empty-'));
    try {
      await runCli(emptyDir, ['staff', 'add', '--name', MANAGER.name, '--role', 'manager', '--pin', MANAGER.pin]);
      const empty = await startServer(emptyDir);
      const context = await tabletContext(browser, LANDSCAPE, 'en', await signInByApi(empty.url, MANAGER));
      const page = await context.newPage();
      await page.goto(`${empty.url}/#/dashboard`);
      await page.locator('#dashboard-title').waitFor();
      await page.getByText('No predictions kept yet').waitFor();
      expect(await page.locator('.empty').allTextContents()).toEqual([
        'No data for this period yet.',
        'No data for this period yet.',
        'Nobody needs a call right now.',
        'No actions were recorded in this period.',
        'No data for this period yet.',
        'No predictions kept yet: the first appear after the first scoring.',
      ]);
      expect(await page.locator('[data-testid="counts"]').allTextContents()).toEqual(Array(3).fill('Not observed long enough yet'));
      expect(await page.locator('[role="alert"]').count()).toBe(0);
      await page.screenshot({ path: join(SCREENSHOTS, 'dashboard-empty-en-landscape.png'), fullPage: true });
      await context.close();
      await empty.stop();
    } finally {
      rmSync(emptyDir, { recursive: true, force: true });
    }
  });

  it('passes an axe accessibility scan (WCAG 2 A/AA, contrast included)', async () => {
    for (const [lang, viewport] of [['zh', PORTRAIT], ['en', LANDSCAPE]] as const) {
      const context = await tabletContext(browser, viewport, lang, manager);
      const page = await context.newPage();
      await openDashboard(page);
      await page.addScriptTag({ path: AXE });
      const violations = await page.evaluate(async () => {
        const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: Array<{ id: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
        const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa'] } });
        return result.violations.map((v) => `${v.id}: ${v.nodes.length} × ${JSON.stringify(v.nodes[0]?.target)}`);
      });
      expect(violations, lang).toEqual([]);
      await context.close();
    }
  });

  it('saves full-page screenshots in both languages and orientations', async () => {
    for (const lang of ['zh', 'en'] as const) {
      for (const [shape, viewport] of [['landscape', LANDSCAPE], ['portrait', PORTRAIT]] as const) {
        const context = await tabletContext(browser, viewport, lang, manager);
        const page = await context.newPage();
        await openDashboard(page);
        await expect(page.locator('#dashboard-title').textContent()).resolves.toBe(lang === 'zh' ? '门店经营看板' : 'Store dashboard');
        await page.screenshot({ path: join(SCREENSHOTS, `dashboard-${lang}-${shape}.png`), fullPage: true });
        // Nothing wider than the screen: only the tables' own scroll regions may scroll sideways.
        expect(await page.evaluate(() => document.documentElement.scrollWidth), `${lang} ${shape}`).toBeLessThanOrEqual(viewport.width);
        await context.close();
      }
    }
  });
});
