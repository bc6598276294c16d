/**
 * npm run bench:audit [-- --customers N --seconds S --concurrency C]
 * Profile reads (GET /api/v1/customers/:id through the real Hono stack, in process) per second with the audit
 * log recording every read, and with it off (a trail that records nothing), in alternating rounds so the box's
 * load hits both alike. Each "on" round ends with the waiting audit rows written, so their cost is counted. On a
 * box shared with other work the process's CPU time per read is the steadier figure; reads per second follow
 * the load.
 * Bounded: 2 × 3 rounds of `seconds` (default 5) after a small store is registered. Prints the figures and
 * appends them to bench/RESULTS.md.
 */
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createApp } from '../server/app/app.ts';
import { openAppliance } from '../server/app/appliance.ts';
import type { AuditTrail } from '../server/audit/audit-trail.ts';
import { createToken } from '../server/auth/token.service.ts';
import { testConfig } from '../server/kernel/config.ts';
import { machineLine, round } from './support/machine.ts';

const { values } = parseArgs({
  options: { customers: { type: 'string', default: '2000' }, seconds: { type: 'string', default: '5' }, concurrency: { type: 'string', default: '16' } },
});
const customers = Number(values.customers);
const roundMs = Number(values.seconds) * 1000;
const concurrency = Number(values.concurrency);
const ROUNDS = 3;
const log = (s: string) => console.error(`[bench] ${s}`);

const dir = mkdtempSync(join(tmpdir(), 'bench-audit-'));
// The per-credential cap is not what is measured: each reader has its own token, each under the highest cap.
const deps = openAppliance(testConfig({ DATA_DIR: dir, SCORING_WORKER: '0', PROFILE_READS_PER_MINUTE: '100000' }));
const tokens = Array.from({ length: concurrency }, (_, i) => createToken(deps.sqlite, 'clerk', `reader-${i}`, Date.now()).token);
const admin = createToken(deps.sqlite, 'admin', 'bench', Date.now()).token;
const silent: AuditTrail = { record: () => undefined, flush: async () => undefined, cancel: () => undefined };
const withAudit = createApp(deps);
const withoutAudit = createApp({ ...deps, audit: silent });

const request = (app: typeof withAudit, method: string, path: string, token: string, body?: unknown) =>
  app.request(path, { method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });

log(`registering ${customers} customers`);
const ids: string[] = [];
for (let i = 0; i < customers; i++) {
  const res = await request(withoutAudit, 'POST', '/api/v1/customers', admin, { loyalty_card: `8850${String(i).padStart(7, '0')}`, name: `Customer ${i}` });
  ids.push(((await res.json()) as { id: string }).id);
}

/** Reads for `roundMs` with `concurrency` readers: reads per second, and the process's CPU µs per read. */
async function readRound(app: typeof withAudit, audit: AuditTrail): Promise<{ perS: number; cpuUs: number }> {
  let reads = 0;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const reader = async (token: string, start: number) => {
    for (let i = start; performance.now() - t0 < roundMs; i += concurrency) {
      const res = await request(app, 'GET', `/api/v1/customers/${ids[i % ids.length]}`, token);
      if (res.status !== 200) throw new Error(`profile read answered ${res.status}`);
      await res.arrayBuffer();
      reads++;
    }
  };
  await Promise.all(tokens.map((token, i) => reader(token, i)));
  await audit.flush();
  const cpu = process.cpuUsage(cpu0);
  return { perS: reads / ((performance.now() - t0) / 1000), cpuUs: (cpu.user + cpu.system) / reads };
}

const on: Array<{ perS: number; cpuUs: number }> = [];
const off: Array<{ perS: number; cpuUs: number }> = [];
for (let r = 0; r < ROUNDS; r++) {
  off.push(await readRound(withoutAudit, silent));
  on.push(await readRound(withAudit, deps.audit));
  log(`round ${r + 1}: off ${Math.round(off[r]!.perS)}/s ${Math.round(off[r]!.cpuUs)} µs CPU/read, on ${Math.round(on[r]!.perS)}/s ${Math.round(on[r]!.cpuUs)} µs CPU/read`);
}
const rows = (deps.sqlite.query('SELECT count(*) AS n FROM audit_log').get() as { n: number }).n;
await deps.models.close();
deps.sqlite.close();
deps.walSync.close();
rmSync(dir, { recursive: true, force: true });

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const figures = (xs: typeof on) => ({ perS: median(xs.map((x) => x.perS)), cpuUs: median(xs.map((x) => x.cpuUs)) });
const [a, b] = [figures(off), figures(on)];
const change = (x: number, y: number) => `${y >= x ? '+' : ''}${round((y / x - 1) * 100, 1)}%`;
const line =
  `profile reads (${customers} customers, ${concurrency} readers, ${ROUNDS} rounds of ${roundMs / 1000} s each way, medians; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}): ` +
  `audit off ${Math.round(a.perS)}/s at ${Math.round(a.cpuUs)} µs CPU per read, audit on ${Math.round(b.perS)}/s at ${Math.round(b.cpuUs)} µs ` +
  `(throughput ${change(a.perS, b.perS)}, CPU per read ${change(a.cpuUs, b.cpuUs)}); ${rows} audit rows written`;
console.log(line);
appendFileSync(join(import.meta.dir, 'RESULTS.md'), `\n## bench:audit — ${new Date().toISOString().slice(0, 10)}\n${machineLine()}\n- ${line}\n`);
