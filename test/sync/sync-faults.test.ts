import { SQL } from 'bun';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCentralStorage } from '../../server/central/central-db.ts';
import { registerStore } from '../../server/central/store-registry.ts';
import { type SyncStatus, syncStatusSchema } from '../../server/contract/sync.ts';
import { seededRandom } from '../../server/demo/random.ts';
import { DAY_MS } from '../../server/kernel/clock.ts';
import { SYNC_PATHS } from '../../sync/paths.ts';
import { pushAckSchema, pushBatchSchema } from '../../sync/protocol.ts';
import { killAllChildren, runCli, type ServerProcess, startCentral, startServer } from '../fault/server-process.ts';
import { centralEngines } from '../support/central-engines.ts';
import { type FaultProxy, type ProxiedRequest, pushText, startFaultProxy } from './fault-proxy.ts';
import { centralFigures, convergenceProblems, movableClockEnv, posTerminal, setClockOffset, storeFigures } from './sync-fault-support.ts';

/*
 * Store → central sync under faults, as processes on 127.0.0.1: central (PGlite in its DATA_DIR, then the
 * suite's PostgreSQL), stores (`server/main.ts`, background sync every second in batches of 50) and
 * `cli sync --once`, with the test's own proxy between them (fault-proxy.ts) that drops requests, loses
 * answers after central applied them, duplicates, delays, holds and replays pushes. Each scenario has a
 * store of its own, named for it; central's and the stores' clocks move with libfaketime. At the end
 * every store has converged: central holds the store's change log 1..last exactly once, the same number
 * and sum of transactions, and the same ledger points per customer. Central's database is read once at
 * the end (PGlite belongs to one process: central is stopped for it), after central was SIGKILLed on the way.
 * Reproduce with SYNC_FAULT_SEED=<printed seed>.
 */

const CHAIN_SECRET = 'chain-secret-for-tests-0123456789';
const SEED = process.env.SYNC_FAULT_SEED ? Number(process.env.SYNC_FAULT_SEED) : Math.floor(Math.random() * 2 ** 31);
console.log(`sync-faults: SYNC_FAULT_SEED=${SEED}`);

const STORES = ['FDROP', 'FDUP', 'FORDER', 'FDELAY', 'FKILL', 'FAWAY'] as const;
type StoreId = (typeof STORES)[number];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null | false> | T | null | false): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== null && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(150);
  }
}

/** The advisory lock central's apply takes first (CHAIN_IDENTITY_LOCK in server/central/apply-store-push.ts). */
const CHAIN_IDENTITY_LOCK = 815_001;

/** Whether a session on the PostgreSQL server holds central's chain-wide lock: a push is being applied. */
async function applyingOnServer(databaseUrl: string): Promise<boolean> {
  const client = new SQL(databaseUrl, { max: 1 });
  try {
    const [row] = await client`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objid = ${CHAIN_IDENTITY_LOCK} AND granted`;
    return (row as { n: number }).n > 0;
  } finally {
    await client.close();
  }
}

const isPush = (path: string) => path.startsWith(SYNC_PATHS.push);
const batchOf = (req: ProxiedRequest) => pushBatchSchema.parse(JSON.parse(pushText(req)));

describe.each(centralEngines())('store → central sync under faults on $name', (engine) => {
  const root = mkdtempSync(join(tmpdir(), 'sync-faults-'));
  const centralDir = join(root, 'central');
  const centralClock = join(root, 'central-clock');
  let databaseUrl: string | null = null;
  let central: ServerProcess;
  let centralPort = '0';
  let proxy: FaultProxy;
  const credentials = new Map<string, string>();
  const tokens = new Map<string, { terminal: string; manager: string }>();
  const dir = (id: StoreId) => join(root, id);
  const clockFile = (id: StoreId) => join(root, `${id}-clock`);
  const logs: string[] = [];
  /** Past libfaketime's cache of the clock file (1 s, sync-fault-support.ts), so a process reads a moved clock. */
  const clockFileRead = () => new Promise((r) => setTimeout(r, 1_500));
  /** The change-log seqs FAWAY wrote while its clock was an hour fast, and the last before it was surely set right. */
  let flagged = { from: 0, to: 0, clearedAfter: 0 };

  async function runCentral(): Promise<void> {
    central = await startCentral(centralDir, { ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}), ...movableClockEnv(centralClock), PORT: centralPort });
    centralPort = new URL(central.url).port;
    proxy.target = central.url;
  }

  const syncEnv = (id: StoreId, extra: Record<string, string> = {}) => ({
    STORE_ID: id,
    CENTRAL_URL: proxy.url,
    SYNC_TOKEN: credentials.get(id)!,
    CHAIN_SECRET,
    SYNC_INTERVAL_S: '1',
    SYNC_BATCH_SIZE: '50',
    ...movableClockEnv(clockFile(id)),
    ...extra,
  });
  const startStore = (id: StoreId) => startServer(dir(id), 30_000, syncEnv(id));
  const syncOnce = (id: StoreId, extra: Record<string, string> = {}) => runCli(dir(id), ['sync', '--once'], syncEnv(id, extra));
  /**
   * Stops a store's server, then syncs it once more through a clean proxy. Its own background pull can write a fact
   * (chain figures moving a customer's stage) after the test's last push and before the stop; the next sync carries
   * it, as it would in a chain, and the final exact-once check must not count it as lost.
   */
  const stopAndFlush = async (id: StoreId, store: { stop(): Promise<unknown> }) => {
    await store.stop();
    proxy.script = () => 'pass';
    await syncOnce(id);
  };

  async function statusOf(id: StoreId, store: ServerProcess): Promise<SyncStatus> {
    const res = await fetch(`${store.url}/api/v1/sync/status`, { headers: { authorization: `Bearer ${tokens.get(id)!.manager}` } });
    return syncStatusSchema.parse(await res.json());
  }
  /** Until the store has heard central acknowledge its every change (the status reads the cursor central answered). */
  const caughtUp = (id: StoreId, store: ServerProcess, timeoutMs = 60_000) =>
    waitFor(`${id} to be caught up`, timeoutMs, async () => {
      const s = await statusOf(id, store);
      // A success recorded too: the cursor file moves batch by batch, before the run that ends with it is over.
      return s.push.lag_changes === 0 && s.push.last_error === null && s.push.last_success_at !== null ? s : null;
    });
  const terminal = (id: StoreId, store: ServerProcess, now: () => number = Date.now) =>
    posTerminal({ url: store.url, token: tokens.get(id)!.terminal, storeId: id, terminal: 'T1', rnd: seededRandom((SEED ^ id.length * 7919) >>> 0), now });
  const requestsOf = (id: StoreId) => proxy.log.filter((e) => e.storeId === id);

  beforeAll(async () => {
    databaseUrl = await engine.freshDatabaseUrl();
    const storage = await openCentralStorage({ dataDir: centralDir, databaseUrl });
    try {
      for (const id of STORES) credentials.set(id, await registerStore(storage.db, { id, name: `Fault ${id}` }, Date.now()));
    } finally {
      await storage.close();
    }
    // FKILL's log is large enough (thousands of changes) that central is still applying it when killed.
    await Promise.all(
      STORES.map(async (id, i) => {
        const size = id === 'FKILL' ? ['--customers', '200', '--months', '3'] : ['--customers', '12', '--months', '1'];
        await runCli(dir(id), ['seed', ...size, '--seed', String(SEED + i)], { STORE_ID: id });
        const make = async (role: string) => (await runCli(dir(id), ['token', 'create', '--role', role], { STORE_ID: id })).trim();
        tokens.set(id, { terminal: await make('terminal'), manager: await make('manager') });
      }),
    );
    proxy = await startFaultProxy('http://127.0.0.1:1');
    await runCentral();
  }, 120_000);

  afterAll(async () => {
    await killAllChildren();
    await proxy?.close();
    for (const line of logs) console.log(`  [${engine.name}] ${line}`);
    rmSync(root, { recursive: true, force: true });
  });

  it('(a) converges with 30 % of requests dropped and 30 % of answers lost after central applied them', async () => {
    const rnd = seededRandom(SEED);
    proxy.script = (req) => {
      if (req.storeId !== 'FDROP') return 'pass';
      const r = rnd.next();
      return r < 0.15 ? 'reset' : r < 0.3 ? 'bad-gateway' : r < 0.6 ? 'lose-answer' : 'pass';
    };
    const store = await startStore('FDROP');
    const pos = terminal('FDROP', store);
    const pushes = () => requestsOf('FDROP').filter((e) => isPush(e.path) && e.settled);
    const lost = () => pushes().filter((e) => e.fault === 'lose-answer' && e.centralStatus === 200 && e.changes > 0).length;
    const dropped = () => pushes().filter((e) => e.fault === 'reset' || e.fault === 'bad-gateway').length;
    // Sales keep coming until the faults have hit enough pushes that carried changes: once a store is caught up
    // its pushes are empty, and whether the faults fell on the non-empty ones depends on the seed.
    const deadline = Date.now() + 60_000;
    while (lost() < 3 || dropped() < 3) {
      if (Date.now() > deadline) throw new Error(`after 60 s of sales, ${lost()} pushes applied with the answer lost and ${dropped()} dropped (want 3 and 3)`);
      await pos.post(10);
      await sleep(1500);
    }
    await caughtUp('FDROP', store, 75_000);
    logs.push(`(a) ${pushes().length} pushes: ${lost()} applied with the answer lost, ${dropped()} dropped`);
    await stopAndFlush('FDROP', store);
  }, 160_000);

  it('(b) converges when every request reaches central twice', async () => {
    proxy.script = (req) => (req.storeId === 'FDUP' ? 'duplicate' : 'pass');
    const store = await startStore('FDUP');
    await terminal('FDUP', store).post(40);
    await caughtUp('FDUP', store);
    await syncOnce('FDUP');
    const pushes = requestsOf('FDUP').filter((e) => isPush(e.path));
    expect(pushes.length).toBeGreaterThan(5);
    expect(pushes.filter((e) => e.settled && (e.centralStatus !== 200 || !e.answered))).toEqual([]);
    await stopAndFlush('FDUP', store);
  });

  it('(c) converges when a held push is overtaken by others and an old batch is replayed after newer ones', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let holding = false;
    proxy.script = (req) => {
      if (req.storeId !== 'FORDER' || !isPush(req.path) || holding) return 'pass';
      holding = true;
      return { hold: held };
    };
    const store = await startStore('FORDER');
    const heldPush = await waitFor('the background push to be held', 20_000, () => proxy.pushes.find((p) => p.storeId === 'FORDER') ?? null);
    await terminal('FORDER', store).post(20);
    // Two `sync --once` at the same time overtake the held push; central serializes them on the store's row.
    await Promise.all([syncOnce('FORDER'), syncOnce('FORDER')]);
    release();
    // The status reads the cursor file the CLI moved: wait for the held push itself to be answered.
    const late = await waitFor('the held push to be answered', 20_000, () => proxy.log.find((e) => e.n === heldPush.n && e.answered) ?? null);
    expect(late.centralStatus).toBe(200);
    await caughtUp('FORDER', store);

    // A captured old batch replayed after the newer ones: accepted, nothing applied, central's cursor answered.
    const seq = storeFigures(dir('FORDER')).lastSeq;
    const captured = proxy.pushes.filter((p) => p.storeId === 'FORDER' && batchOf(p).changes.length > 0);
    for (const old of [captured[0]!, captured.at(-1)!]) {
      const answer = await proxy.replay(old);
      expect(answer.status).toBe(200);
      expect(pushAckSchema.parse(answer.body)).toMatchObject({ applied: 0, cursor: seq });
    }
    await stopAndFlush('FORDER', store);
  });

  it('(d) converges with every request delayed up to 2 s, and POS ingest answers while a push is held', async () => {
    const rnd = seededRandom(SEED + 1);
    let release: (() => void) | null = null;
    let holdNext = false;
    proxy.script = (req) => {
      if (req.storeId !== 'FDELAY') return 'pass';
      if (holdNext && isPush(req.path)) {
        holdNext = false;
        return { hold: new Promise<void>((r) => (release = r)) };
      }
      return { delayMs: rnd.int(0, 2000) };
    };
    const store = await startStore('FDELAY');
    const pos = terminal('FDELAY', store);
    await pos.post(20);
    await caughtUp('FDELAY', store);

    holdNext = true;
    await waitFor('a push to be held', 20_000, () => release !== null);
    const t0 = performance.now();
    await pos.post(1); // throws unless answered 201
    const latency = performance.now() - t0;
    expect(requestsOf('FDELAY').find((e) => e.fault === 'hold'), 'the push is still held').toMatchObject({ centralStatus: null, answered: false });
    (release as unknown as () => void)();
    await caughtUp('FDELAY', store);
    logs.push(`(d) a sale answered 201 in ${latency.toFixed(1)} ms while the store's push was held at the proxy`);
    await stopAndFlush('FDELAY', store);
  });

  it('(e) converges after central is SIGKILLed while applying a push of thousands of changes', async () => {
    const total = storeFigures(dir('FKILL')).lastSeq;
    expect(total).toBeGreaterThan(2000);
    proxy.script = () => 'pass';
    const syncing = syncOnce('FKILL', { SYNC_BATCH_SIZE: '5000' });
    syncing.catch(() => undefined);
    const push = await waitFor('the large push to reach the proxy', 30_000, () => proxy.log.find((e) => e.storeId === 'FKILL' && isPush(e.path)) ?? null);
    const t0 = performance.now();
    // On a PostgreSQL server the test sees the apply begin (it takes the chain-wide advisory lock first);
    // PGlite is central's alone, so there the kill comes at a moment well inside the apply's usual time (since the
    // apply is set-based, a push of 5,000 changes is applied within ~1 s on PGlite: 1.2 s let the sync finish).
    if (databaseUrl) await waitFor('central to be applying the push', 30_000, () => applyingOnServer(databaseUrl!));
    await sleep(databaseUrl ? 200 : 300);
    const killedAfter = performance.now() - t0;
    await central.kill();
    await expect(syncing).rejects.toThrow(/cannot be reached|refused|exited/);
    expect(push, 'central died before it answered').toMatchObject({ centralStatus: null, answered: false });

    // All of the push or none of it: central's cursor and what it holds agree.
    let before;
    try {
      before = (await centralFigures(centralDir, databaseUrl, ['FKILL'])).get('FKILL')!;
    } finally {
      await runCentral();
    }
    expect(before.changes.rows).toBe(before.cursor);
    expect([0, total]).toContain(before.cursor);
    const t1 = performance.now();
    await syncOnce('FKILL', { SYNC_BATCH_SIZE: '5000' });
    logs.push(
      `(e) central killed ${killedAfter.toFixed(0)} ms after the push of ${total} changes reached the proxy; it then held ${before.cursor} of them; ` +
        `the resent push took ${(performance.now() - t1).toFixed(0)} ms (cli included)`,
    );
  });

  it('(f, g) a store offline for 7 days catches up; its clock an hour off flags its pushes until it is set right', async () => {
    const id = 'FAWAY';
    let unreachable = false;
    proxy.script = (req) => (req.storeId === id && unreachable ? 'reset' : 'pass');
    let offset = 0;
    const store = await startStore(id);
    const pos = terminal(id, store, () => Date.now() + offset);
    await pos.post(10);
    await caughtUp(id, store);

    // (f) Central unreachable; a week passes for both, the store selling every day.
    unreachable = true;
    for (let day = 1; day <= 7; day++) {
      offset = day * DAY_MS;
      await Promise.all([setClockOffset(centralClock, offset), setClockOffset(clockFile(id), offset)]);
      await pos.post(8);
    }
    const away = await waitFor('the store to report central unreachable', 20_000, async () => {
      const s = await statusOf(id, store);
      return s.push.last_error !== null ? s : null;
    });
    expect(away.push.lag_changes).toBeGreaterThan(0);
    expect(away.push.lag_seconds).toBeGreaterThan(6 * 86_400);
    // Both processes must have read day 7 from their clock files before the store reaches central again: a push sent
    // while one of them still reads day 6 is (rightly) flagged a day off, and that would be the last skew on record.
    await clockFileRead();
    unreachable = false;
    const back = await caughtUp(id, store);
    expect(back.push.clock_skew_ms).toBeNull();

    // (g) The store's clock an hour fast: central flags what it pushes and says so; set right, the flag clears.
    await setClockOffset(clockFile(id), offset + 3_600_000);
    // libfaketime re-reads the clock file at most once a second (FAKETIME_CACHE_DURATION): until then the store's
    // pushes still carry the old time. What the store writes from then on (the sales below) must be flagged.
    await clockFileRead();
    const beforeSkew = storeFigures(dir(id)).lastSeq;
    await pos.post(5);
    const skewed = await waitFor('central to report the skew', 20_000, async () => {
      const s = await statusOf(id, store);
      return s.push.clock_skew_ms !== null && s.push.lag_changes === 0 ? s : null;
    });
    expect(Math.abs(skewed.push.clock_skew_ms! - 3_600_000)).toBeLessThan(10_000);
    const skewedSeq = storeFigures(dir(id)).lastSeq;
    await setClockOffset(clockFile(id), offset);
    await clockFileRead();
    // Changes written between the two reads of the clock (a pull's facts) may go either way; from here none is flagged.
    const setRight = storeFigures(dir(id)).lastSeq;
    await pos.post(1);
    await waitFor('the skew to clear', 20_000, async () => {
      const s = await statusOf(id, store);
      return s.push.clock_skew_ms === null && s.push.lag_changes === 0 ? s : null;
    });
    flagged = { from: beforeSkew + 1, to: skewedSeq, clearedAfter: setRight };
    await stopAndFlush(id, store);
  });


  it('ends with central holding every change of every store exactly once: counts, amounts and points', async () => {
    if (engine.name === 'pglite') await central.stop();
    const figures = await centralFigures(centralDir, databaseUrl, STORES);
    const problems = STORES.flatMap((id) => convergenceProblems(id, storeFigures(dir(id)), figures.get(id)!));
    expect(problems).toEqual([]);
    const away = figures.get('FAWAY')!;
    expect(away.clockSkewMs).toBeNull();
    // Every change made while its clock was an hour fast is flagged, and none after it was set right. Pushes of (f)
    // may be flagged too: its clocks move a day at a time, the store's and central's one after the other, and a
    // push landing between the two moves is (rightly) a day off.
    expect(away.skewFlagged.max).toBeGreaterThanOrEqual(flagged.to);
    expect(away.skewFlagged.max).toBeLessThanOrEqual(flagged.clearedAfter);
    expect(away.skewFlagged.min).toBeLessThanOrEqual(flagged.from);
    expect(away.skewFlagged.rows).toBeGreaterThanOrEqual(flagged.to - flagged.from + 1);
    for (const id of STORES.filter((s) => s !== 'FAWAY')) expect(figures.get(id)!.skewFlagged.rows, id).toBe(0);
    logs.push(`converged: ${STORES.map((id) => `${id} ${figures.get(id)!.changes.rows} changes / ${figures.get(id)!.transactions} tx`).join(', ')}`);
  });
});
