import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../orchestration/app-deps.ts';
import { createToken, revokeTokensNamed } from '../auth/token.service.ts';
import { ingestDepsFrom } from '../orchestration/apply-transaction.ts';
import { seedDemoStore } from './seed-demo-store.ts';
import type { Logger } from '../kernel/log.ts';

const DEMO_ROLES = ['terminal', 'clerk', 'manager'] as const;
const demoTokenName = (role: string) => `demo ${role}`;

/**
 * Demo tokens are for the demo store only: started with STORE_DEMO=0 (a real store, perhaps one that began as
 * the demo), the demo's tokens are revoked and their file removed, since they were printed and written in clear.
 */
export function retireDemoTokens(deps: AppDeps, log: Logger): void {
  const revoked = revokeTokensNamed(deps.sqlite, DEMO_ROLES.map(demoTokenName), deps.clock());
  const file = join(deps.config.DATA_DIR, 'demo-tokens.json');
  if (existsSync(file)) rmSync(file);
  if (revoked > 0) log.info('demo.tokens_revoked', { tokens: revoked });
}

/** True when the store has never seen a transaction or a customer. */
export function isEmptyStore(deps: AppDeps): boolean {
  const row = deps.sqlite
    .query<{ n: number }, []>('SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM customers) AS n')
    .get();
  return (row?.n ?? 0) === 0;
}

/**
 * First start on an empty data dir: seed a demo store and mint one token per role, written to
 * DATA_DIR/demo-tokens.json (its path is logged, never a token) so a newcomer can use the API and the tablet app at once.
 */
export function seedDemoOnFirstStart(deps: AppDeps, log: Logger): void {
  const t0 = performance.now();
  const summary = seedDemoStore(ingestDepsFrom(deps), {
    customers: 2000,
    months: 12,
    seed: 42,
    now: deps.clock(),
    storeId: deps.config.STORE_ID,
    timeZone: deps.config.STORE_TZ,
    phoneRegion: deps.config.STORE_PHONE_REGION,
  });
  const tokens = Object.fromEntries(DEMO_ROLES.map((role) => [role, createToken(deps.sqlite, role, demoTokenName(role), deps.clock()).token]));
  const file = join(deps.config.DATA_DIR, 'demo-tokens.json');
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  log.info('demo.seeded', {
    duration_ms: Math.round(performance.now() - t0),
    customers: summary.customers,
    transactions: summary.transactions,
    returns: summary.returns,
    lines: summary.lines,
    skus: summary.skus,
    tokens_file: file,
    roles: Object.keys(tokens),
  });
}
