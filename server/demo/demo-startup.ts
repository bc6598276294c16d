import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppDeps } from '../orchestration/app-deps.ts';
import { createToken } from '../auth/token.service.ts';
import { ingestDepsFrom } from '../orchestration/apply-transaction.ts';
import { seedDemoStore } from './seed-demo-store.ts';

/** True when the store has never seen a transaction or a customer. */
export function isEmptyStore(deps: AppDeps): boolean {
  const row = deps.sqlite
    .query<{ n: number }, []>('SELECT (SELECT count(*) FROM transactions) + (SELECT count(*) FROM customers) AS n')
    .get();
  return (row?.n ?? 0) === 0;
}

/**
 * First start on an empty data dir: seed a demo store and mint one token per role, written to
 * DATA_DIR/demo-tokens.json (and logged) so a newcomer can use the API and the tablet app at once.
 */
export function seedDemoOnFirstStart(deps: AppDeps, log: (line: string) => void): void {
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
  const tokens = Object.fromEntries(
    (['terminal', 'clerk', 'manager'] as const).map((role) => [role, createToken(deps.sqlite, role, `demo ${role}`, deps.clock()).token]),
  );
  const file = join(deps.config.DATA_DIR, 'demo-tokens.json');
  writeFileSync(file, `${JSON.stringify(tokens, null, 2)}\n`, { mode: 0o600 });
  log(
    `seeded a demo store in ${Math.round(performance.now() - t0)} ms: ${summary.customers} customers, ` +
      `${summary.transactions} transactions (${summary.returns} returns), ${summary.lines} lines, ${summary.skus} SKUs`,
  );
  log(`demo tokens (also in ${file}): ${Object.entries(tokens).map(([r, t]) => `${r}=${t}`).join('  ')}`);
  log('try: curl -H "authorization: Bearer <clerk token>" "http://127.0.0.1:PORT/api/v1/customers/lookup?card=8800000001"');
}
