/**
 * npm run bench:sync [-- --customers N --lines L --new-transactions T --stores S --store-transactions U]
 * (or BENCH_SYNC_CUSTOMERS / BENCH_SYNC_LINES for a quick run). Store → central sync against a real PostgreSQL
 * server (a cluster of the bench's own on loopback) and the real central process over HTTP on 127.0.0.1:
 * 1. the initial sync of a generated store (default 1M customers / 20M lines), with where the time goes at the
 *    store (reading and encoding the change log, zstd) and at central (from its Server-Timing header);
 * 2. new transactions through the store's real POST API, then `cli sync --once` (end to end), and the bytes per
 *    transaction on the wire;
 * 3. S smaller stores pushing at once (`cli sync --once` each): central's apply rate.
 * Appends the figures to bench/RESULTS.md.
 */
import { Database } from 'bun:sqlite';
import { appendFileSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SQL } from 'bun';
import { openAppliance } from '../server/app/appliance.ts';
import { createToken } from '../server/auth/token.service.ts';
import { parseServerTiming } from '../server/central/push-timings.ts';
import { lastSeq } from '../server/db/change-log.ts';
import { dbPath } from '../server/db/open.ts';
import { testConfig } from '../server/kernel/config.ts';
import { outboundBatch } from '../server/orchestration/sync-outbox.ts';
import { compressPush, createStorePushPort } from '../server/orchestration/sync-push-port.ts';
import { SYNC_PATHS } from '../sync/paths.ts';
import { type PushBatch, pushAckSchema } from '../sync/protocol.ts';
import { pushUntilCaughtUp, type StorePushPort } from '../sync/store/push-loop.ts';
import { startPostgresCluster } from '../test/support/postgres-cluster.ts';
import { bigStoreFixture } from './support/big-store-fixture.ts';
import { cli, startCentral } from './support/central-process.ts';
import { ownCpuS, processTreeCpuS } from './support/cpu-time.ts';
import { machineLine, round } from './support/machine.ts';
import { startSteadyServer } from './support/server-process.ts';

const { values } = parseArgs({
  options: {
    customers: { type: 'string', default: process.env.BENCH_SYNC_CUSTOMERS ?? '1000000' },
    lines: { type: 'string', default: process.env.BENCH_SYNC_LINES },
    'new-transactions': { type: 'string', default: '10000' },
    stores: { type: 'string', default: '10' },
    'store-transactions': { type: 'string', default: '20000' },
    'batch-size': { type: 'string', default: '2000' },
    /** Stop the initial sync after this many seconds and report how far it got (a box too busy to finish). */
    'initial-max-s': { type: 'string' },
  },
});
const customers = Number(values.customers);
const lines = Number(values.lines ?? customers * 20);
const newTransactions = Number(values['new-transactions']);
const storeCount = Number(values.stores);
const storeTransactions = Number(values['store-transactions']);
const batchSize = values['batch-size']!;
const initialMaxMs = values['initial-max-s'] ? Number(values['initial-max-s']) * 1000 : Number.POSITIVE_INFINITY;
const log = (s: string) => console.error(`[bench] ${s}`);
const RUN = join('.tmp', 'bench-sync-run');
const CHAIN_SECRET = 'bench-chain-secret-0123456789';
const load0 = loadavg();

/*
 * The central box: PostgreSQL with durable commits (fsync on, as in production) and room for a bulk load
 * (a larger buffer cache, checkpoints spaced out). Settings a DBA would give a dedicated central.
 */
const pg = await startPostgresCluster(['shared_buffers=2GB', 'max_wal_size=16GB', 'checkpoint_timeout=30min', 'wal_buffers=64MB', 'synchronous_commit=on']);
log(`postgres at ${pg.url}`);
const centralEnv = { DATABASE_URL: pg.url, DATA_DIR: join(RUN, 'central'), CENTRAL: '1', SYNC_MAX_CLOCK_SKEW_S: '86400' };
const central = await startCentral(centralEnv);
const postmaster = Number(readFileSync(join(pg.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
/** CPU seconds so far: this process (the store's reading, encoding, compressing), central's process, PostgreSQL's. */
const cpu = () => ({ store: ownCpuS(), central: processTreeCpuS(central.pid), postgres: processTreeCpuS(postmaster) });
const cpuSince = (from: ReturnType<typeof cpu>) => {
  const now = cpu();
  return { store: now.store - from.store, central: now.central - from.central, postgres: now.postgres - from.postgres };
};
const cpuLine = (c: ReturnType<typeof cpu>) => `store ${round(c.store, 1)} s, central ${round(c.central, 1)} s, PostgreSQL ${round(c.postgres, 1)} s`;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    pg.stop();
    process.exit(1);
  });
}
const pgClient = new SQL(pg.url, { max: 1 });
const results: string[] = [];

try {
  // 1. Initial sync of the big store, in this process through the store's real outbox and push loop (the send
  // is the store's, timed by step, with central's Server-Timing read back).
  const bigDir = bigStoreFixture({ customers, lines, runDir: join(RUN, 'store') }, log);
  const credential = (await cli(['store', 'register', '--id', 'S001', '--name', 'Bench store'], centralEnv)).stdout.trim();
  const bigEnv = { DATA_DIR: bigDir, STORE_ID: 'S001', CENTRAL_URL: central.url, SYNC_TOKEN: credential, CHAIN_SECRET, SYNC_BATCH_SIZE: batchSize };
  const config = testConfig(bigEnv);
  const storeDb = new Database(dbPath(bigDir), { readonly: true });
  const target = lastSeq(storeDb);
  const counts = storeDb.query<{ kind: string; n: number }, []>('SELECT kind, count(*) AS n FROM change_log GROUP BY kind').all();
  log(`initial sync of ${target} changes (${counts.map((c) => `${c.n} ${c.kind}`).join(', ')}), batches of ${batchSize}`);
  const store = { read: 0, json: 0, zstd: 0, http: 0, raw: 0, wire: 0, batches: 0 };
  const centralSteps = new Map<string, number>();
  const real = createStorePushPort(storeDb, config, Date.now);
  const timed: StorePushPort = {
    ...real,
    batchAfter(after) {
      const t0 = performance.now();
      if (t0 - syncStart > initialMaxMs) return { ...real.batchAfter(after), changes: [] }; // time is up: an empty push ends the run
      const b = real.batchAfter(after);
      store.read += performance.now() - t0;
      return b;
    },
    async send(batch: PushBatch) {
      let t = performance.now();
      const text = JSON.stringify(batch);
      store.json += performance.now() - t;
      t = performance.now();
      const body = compressPush(text, 'zstd');
      store.zstd += performance.now() - t;
      store.raw += text.length;
      store.wire += body.length;
      store.batches++;
      t = performance.now();
      const res = await fetch(new URL(SYNC_PATHS.push, central.url), {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json', 'content-encoding': 'zstd' },
        body,
      });
      const answer = (await res.json()) as { error?: { code: string; details: { cursor: number } } };
      store.http += performance.now() - t;
      for (const [step, ms] of parseServerTiming(res.headers.get('server-timing'))) centralSteps.set(step, (centralSteps.get(step) ?? 0) + ms);
      if (res.status === 409 && answer.error?.code === 'sync_gap') return { gap: answer.error.details.cursor };
      if (res.status !== 200) throw new Error(`push refused: ${res.status} ${JSON.stringify(answer)}`);
      if (store.batches % 100 === 0) {
        const t = (performance.now() - syncStart) / 1000;
        log(`  ${store.batches} batches, ${Math.round(t)} s, ${Math.round((batch.changes.at(-1)?.seq ?? 0) / t)} changes/s; CPU ${cpuLine(cpuSince(cpu0))}; central ${[...centralSteps].map(([k, v]) => `${k} ${Math.round(v / 1000)}`).join(' ')}`);
      }
      return { ack: pushAckSchema.parse(answer) };
    },
  };
  const cpu0 = cpu();
  const syncStart = performance.now();
  const run = await pushUntilCaughtUp(timed, Number.MAX_SAFE_INTEGER);
  const syncS = (performance.now() - syncStart) / 1000;
  const syncCpu = cpuSince(cpu0);
  const complete = run.cursor === target;
  if (!complete && syncS * 1000 <= initialMaxMs) throw new Error(`central's cursor ${run.cursor} is not the store's last change ${target}`);
  const [centralCounts] = await pgClient`SELECT (SELECT count(*) FROM store_changes)::int AS changes, (SELECT count(*) FROM chain_transactions)::int AS transactions,
    (SELECT count(*) FROM global_customers)::int AS globals, pg_database_size(current_database())::bigint AS bytes,
    (SELECT count(*) FROM store_changes WHERE jsonb_typeof(fact) <> 'object')::int AS not_objects`;
  if (centralCounts.not_objects !== 0) throw new Error(`${centralCounts.not_objects} changes are not kept as JSON objects`);
  const storeTxCount = storeDb.query<{ n: number }, []>('SELECT count(*) AS n FROM transactions').get()!.n;
  if (complete && centralCounts.transactions !== storeTxCount) throw new Error(`central has ${centralCounts.transactions} transactions, the store ${storeTxCount}`);
  storeDb.close();
  const s = (ms: number) => `${round(ms / 1000, 1)} s`;
  const apply = centralSteps.get('apply') ?? 0;
  const httpOther = store.http - [...['read', 'inflate', 'json', 'validate', 'apply']].reduce((a, k) => a + (centralSteps.get(k) ?? 0), 0);
  log(`initial sync: ${round(syncS, 1)} s, ${store.batches} pushes`);
  results.push(
    complete
      ? `| initial sync, ${customers.toLocaleString('en')} customers / ${lines.toLocaleString('en')} lines (${target.toLocaleString('en')} changes, ${storeTxCount.toLocaleString('en')} transactions), store → cursor caught up | ${round(syncS, 1)} s (${Math.round(target / syncS).toLocaleString('en')} changes/s, ${store.batches} pushes of ${batchSize}) | ≤ 60 s |`
      : `| initial sync, ${customers.toLocaleString('en')} customers / ${lines.toLocaleString('en')} lines (${target.toLocaleString('en')} changes, ${storeTxCount.toLocaleString('en')} transactions): STOPPED after ${round(syncS, 1)} s (--initial-max-s) at change ${run.cursor.toLocaleString('en')} (${centralCounts.transactions.toLocaleString('en')} transactions) | ${Math.round(run.cursor / syncS).toLocaleString('en')} changes/s so far | ≤ 60 s |`,
    `| — CPU used meanwhile (the box's other work not included) | ${cpuLine(syncCpu)}: ${round(((syncCpu.store + syncCpu.central + syncCpu.postgres) / run.cursor) * 1e6, 0)} µs per change | — |`,
    `| — at the store: read the change log + encode (outbound), JSON, zstd | ${s(store.read)}, ${s(store.json)}, ${s(store.zstd)} | — |`,
    `| — on the wire: uncompressed / zstd | ${round(store.raw / 2 ** 20, 0)} MiB / ${round(store.wire / 2 ** 20, 0)} MiB (${round(store.raw / store.wire, 1)}×) | — |`,
    `| — at central: read body, inflate (zstd), JSON.parse, validate (zod) | ${s(centralSteps.get('read') ?? 0)}, ${s(centralSteps.get('inflate') ?? 0)}, ${s(centralSteps.get('json') ?? 0)}, ${s(centralSteps.get('validate') ?? 0)} | — |`,
    `| — at central: apply in PostgreSQL (${[...centralSteps].filter(([k]) => !['read', 'inflate', 'json', 'validate', 'apply'].includes(k)).map(([k, v]) => `${k} ${s(v)}`).join(', ')}; the rest is BEGIN/cursor/COMMIT) | ${s(apply)} | — |`,
    `| — HTTP and waiting besides (loopback, Hono, the store's await) | ${s(httpOther)} | — |`,
    `| central's database after it | ${round(Number(centralCounts.bytes) / 2 ** 30, 2)} GiB, ${centralCounts.changes.toLocaleString('en')} changes, ${centralCounts.globals.toLocaleString('en')} global customers | — |`,
  );

  // 2. New transactions through the store's POST API, then `cli sync --once` (push and pull, its own process).
  // When the initial sync was stopped, on a smaller store synced first (the big one's backlog would be measured).
  {
    let storeDir = bigDir;
    let storeEnv = bigEnv;
    let storeId = 'S001';
    let pool = customers;
    if (!complete) {
      storeId = 'S100';
      pool = Math.round(storeTransactions / 4);
      storeDir = bigStoreFixture({ customers: pool, lines: Math.round(storeTransactions * 5.5), runDir: join(RUN, storeId), cacheName: 'bench-sync-small' }, log);
      const token = (await cli(['store', 'register', '--id', storeId], centralEnv)).stdout.trim();
      storeEnv = { DATA_DIR: storeDir, STORE_ID: storeId, CENTRAL_URL: central.url, SYNC_TOKEN: token, CHAIN_SECRET, SYNC_BATCH_SIZE: batchSize };
      // Its own initial sync in the default batches: a 10,000-change push can outlast the store's 60 s request
      // timeout on a busy box.
      await cli(['sync', '--once'], { ...storeEnv, SYNC_BATCH_SIZE: '2000' });
    }
    const before = Number((await pgClient`SELECT cursor FROM stores WHERE id = ${storeId}`)[0].cursor);
    const deps = openAppliance(testConfig({ DATA_DIR: storeDir, STORE_ID: storeId }), Date.now);
    const terminal = createToken(deps.sqlite, 'terminal', 'bench till', Date.now()).token;
    await deps.models.close();
    deps.sqlite.close();
    const server = await startSteadyServer({ DATA_DIR: storeDir, STORE_ID: storeId, MODELS_POLL_SECONDS: '0' }, log);
    let ingestS: number;
    try {
      const t0 = performance.now();
      const gen = Bun.spawn(
        [process.execPath, 'bench/support/load-generator.ts', JSON.stringify({ url: server.url, token: terminal, mode: 'closed', target: 'ingest', connections: 32, requests: newTransactions, durationMs: 0, warmupMs: 0, pool, seed: 7, terminalPrefix: 'SYNC', storeId })],
        { stdout: 'pipe', stderr: 'inherit' },
      );
      const out = JSON.parse(await new Response(gen.stdout).text()) as { ok: number; failed: number };
      ingestS = (performance.now() - t0) / 1000;
      if (out.ok !== newTransactions) throw new Error(`ingest: ${JSON.stringify(out)}`);
    } finally {
      await server.stop();
    }
    const db = new Database(dbPath(storeDir), { readonly: true });
    const after = lastSeq(db);
    // The same changes as the push sends them, to count the bytes (batches of the configured size).
    let raw = 0;
    let wire = 0;
    let gzipped = 0;
    for (let from = before; from < after; from += Number(batchSize)) {
      const text = JSON.stringify(outboundBatch(db, { storeId, after: from, limit: Number(batchSize), policy: { chainSecret: CHAIN_SECRET, piiTransfer: false }, hlc: '0', now: Date.now() }));
      raw += text.length;
      wire += compressPush(text, 'zstd').length;
      gzipped += compressPush(text, 'gzip').length;
    }
    db.close();
    const cpu2 = cpu();
    const sync = await cli(['sync', '--once'], storeEnv);
    const syncCpu2 = cpuSince(cpu2);
    log(sync.stderr.trim());
    const [cursor] = await pgClient`SELECT cursor FROM stores WHERE id = ${storeId}`;
    if (Number(cursor.cursor) !== after) throw new Error(`central's cursor ${cursor.cursor}, the store's last change ${after}`);
    results.push(
      `| ${newTransactions.toLocaleString('en')} new transactions: POST /api/v1/transactions (32 connections) | ${round(ingestS, 2)} s (${after - before} changes) | — |`,
      `| — then \`cli sync --once\` (process start, push, pull) until central has them${complete ? '' : ` (on store ${storeId}: ${pool.toLocaleString('en')} customers, ${storeTransactions.toLocaleString('en')} transactions before)`} | ${round(sync.ms / 1000, 2)} s (CPU: central ${round(syncCpu2.central, 2)} s, PostgreSQL ${round(syncCpu2.postgres, 2)} s) | ≤ 2 s |`,
      `| bytes per transaction on the wire (all the changes it brought: the sale, ledger entries, new customers' events), zstd / gzip / uncompressed | ${Math.round(wire / newTransactions)} B / ${Math.round(gzipped / newTransactions)} B / ${Math.round(raw / newTransactions)} B | — |`,
    );
  }

  // 3. Smaller stores pushing at once, each a `cli sync --once` of its own. Each store's card numbers are its
  // own but for every tenth customer, who has the same card at every store (one person, united at central).
  {
    const small = Array.from({ length: storeCount }, (_, k) => `S${101 + k}`);
    const smallCustomers = Math.round(storeTransactions / 4);
    const smallLines = Math.round(storeTransactions * 5.5);
    const envs: Record<string, string>[] = [];
    let changes = 0;
    let transactions = 0;
    for (const id of small) {
      const dir = bigStoreFixture({ customers: smallCustomers, lines: smallLines, runDir: join(RUN, id), cacheName: 'bench-sync-small' }, log);
      const db = new Database(dbPath(dir));
      db.run(
        `UPDATE customer_events SET data = json_set(data, '$.value', ? || json_extract(data, '$.value'))
          WHERE kind = 'identifier_linked' AND CAST(substr(json_extract(data, '$.value'), 3) AS INTEGER) % 10 <> 0`,
        [`${id}-`],
      );
      changes += lastSeq(db);
      transactions += db.query<{ n: number }, []>('SELECT count(*) AS n FROM transactions').get()!.n;
      db.close();
      const token = (await cli(['store', 'register', '--id', id], centralEnv)).stdout.trim();
      envs.push({ DATA_DIR: dir, STORE_ID: id, CENTRAL_URL: central.url, SYNC_TOKEN: token, CHAIN_SECRET, SYNC_BATCH_SIZE: batchSize });
    }
    log(`${storeCount} stores pushing ${changes} changes at once`);
    const cpu3 = cpu();
    const t0 = performance.now();
    await Promise.all(envs.map((env) => cli(['sync', '--once'], env)));
    const wallS = (performance.now() - t0) / 1000;
    const cpuAll = cpuSince(cpu3);
    const [united] = await pgClient`SELECT count(DISTINCT global_id)::int AS n FROM store_customers WHERE store_id LIKE 'S1%'`;
    results.push(
      `| ${storeCount} stores at once (${storeTransactions.toLocaleString('en')} transactions, ${smallCustomers.toLocaleString('en')} customers each, 1 in 10 shared): wall time of all their \`sync --once\` | ${round(wallS, 1)} s (${changes.toLocaleString('en')} changes) | — |`,
      `| — central's apply rate | ${Math.round(changes / wallS).toLocaleString('en')} changes/s, ${Math.round(transactions / wallS).toLocaleString('en')} transactions/s (${united.n.toLocaleString('en')} global customers) | — |`,
      `| — CPU meanwhile: central, PostgreSQL (the stores' own processes not counted) | ${round(cpuAll.central, 1)} s, ${round(cpuAll.postgres, 1)} s: ${round(((cpuAll.central + cpuAll.postgres) / changes) * 1e6, 0)} µs per change | — |`,
    );
  }
} finally {
  await pgClient.close();
  await central.stop();
  pg.stop();
}

const section = [
  '',
  `## bench:sync — ${new Date().toISOString().slice(0, 10)}`,
  '',
  `Machine: ${machineLine()}. Command: \`npm run bench:sync -- --customers ${customers} --lines ${lines} --batch-size ${batchSize}\`. Load average before the run: ${load0.map((x) => x.toFixed(2)).join(', ')}; after: ${loadavg().map((x) => x.toFixed(2)).join(', ')}.`,
  'Central: `bun server/central/main.ts` on 127.0.0.1 with DATABASE_URL at a PostgreSQL 15 cluster of its own on the same box (fsync on, shared_buffers 2 GB, max_wal_size 16 GB); stores push zstd-compressed JSON over HTTP.',
  '',
  '| figure | measured | goal |',
  '|---|---|---|',
  ...results,
  '',
].join('\n');
console.log(section);
appendFileSync(join(import.meta.dir, 'RESULTS.md'), section);
