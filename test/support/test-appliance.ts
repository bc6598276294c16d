import { mkdtempSync, rmSync } from 'node:fs';
import type * as z from 'zod';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../server/app/app.ts';
import type { AppDeps } from '../../server/orchestration/app-deps.ts';
import { openAppliance } from '../../server/app/appliance.ts';
import type { Role } from '../../server/contract/enums.ts';
import type { TransactionWire } from '../../server/contract/transaction.ts';
import { createToken } from '../../server/auth/token.service.ts';
import { manualClock } from '../../server/kernel/clock.ts';
import { testConfig } from '../../server/kernel/config.ts';
import { parseWith } from './json-of.ts';
import { processLogger } from '../../server/kernel/log.ts';

/**
 * A real appliance on a fresh SQLite file built by the real migrations, a settable clock, and one
 * token per role. `call` goes through the real Hono stack with app.request.
 */
export function createTestAppliance(opts: { now?: string; env?: Record<string, string> } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'store-test-'));
  const clock = manualClock(Date.parse(opts.now ?? '2026-11-22T10:00:00+08:00'));
  const config = testConfig({ DATA_DIR: dir, ...opts.env });
  // Warnings and errors only: an access line per call of every test would bury them.
  const deps: AppDeps = openAppliance(config, clock, processLogger({ ...config, LOG_LEVEL: 'warn' }, 'stderr'));
  const app = createApp(deps);
  const tokens = Object.fromEntries(
    (['terminal', 'clerk', 'manager', 'hq', 'admin'] as const).map((r) => [r, createToken(deps.sqlite, r, r, clock()).token]),
  ) as Record<Role, string>;

  type CallInit = { role?: Role | null; body?: unknown; rawBody?: string; headers?: Record<string, string> };
  /** The answer; with a contract schema, its body parsed with it (the test fails if the body breaks the contract). */
  async function call(method: string, path: string, init?: CallInit): Promise<{ status: number; body: unknown }>;
  async function call<S extends z.ZodType>(method: string, path: string, init: CallInit, schema: S): Promise<{ status: number; body: z.infer<S> }>;
  async function call(method: string, path: string, init: CallInit = {}, schema?: z.ZodType): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { 'content-type': 'application/json', ...init.headers };
    const role = init.role === undefined ? 'admin' : init.role;
    if (role) headers.authorization = `Bearer ${tokens[role]}`;
    const body = init.rawBody ?? (init.body === undefined ? undefined : JSON.stringify(init.body));
    const res = await app.request(path, { method, headers, body });
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      json = text;
    }
    return { status: res.status, body: schema ? parseWith(schema, json, `${method} ${path} → ${res.status}`) : json };
  }

  /** Row counts of the fact and derived tables: "nothing written" means these did not change. */
  function counts() {
    const n = (table: string) => (deps.sqlite.query(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
    return {
      transactions: n('transactions'),
      lines: n('transaction_lines'),
      ledger: n('loyalty_ledger'),
      customers: n('customers'),
      links: n('identity_links'),
      events: n('customer_events'),
      stats: n('customer_stats'),
    };
  }

  function close() {
    deps.audit.cancel();
    void deps.models.close();
    deps.sqlite.close();
    deps.walSync.close();
    rmSync(dir, { recursive: true, force: true });
  }

  return { dir, clock, config, deps, app, tokens, call, counts, close };
}

export type TestAppliance = ReturnType<typeof createTestAppliance>;

let receiptSeq = 0;

/**
 * A valid sale in the wire format; override what the test is about. Overrides may break the contract on
 * purpose (a quantity as a string): the type is the sale's as built here, not a promise about `over`.
 */
export function sale(over: Record<string, unknown> = {}): TransactionWire {
  receiptSeq += 1;
  return {
    store_id: 'S001',
    terminal_id: 'T01',
    receipt_no: `R${String(receiptSeq).padStart(6, '0')}`,
    occurred_at: '2026-11-22T10:15:00+08:00',
    kind: 'sale',
    customer: { loyalty_card: '88001234' },
    lines: [
      { sku: '6901234567890', name: 'Oolong tea 500ml', category: 'beverages', quantity: 2, unit_price: 4.5, discount: 0, amount: 9.0 },
      { sku: '6900000000011', name: 'Rice 5kg', category: 'staples', quantity: 1, unit_price: 59.9, discount: 5, amount: 54.9 },
    ],
    tenders: [{ type: 'card', amount: 63.9 }],
    ...over,
  } as TransactionWire;
}
