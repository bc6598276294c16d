import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../server/demo/random.ts';
import { type Ack, postEach, resultOf, runPosLoad, sameAnswerButCustomer, txKey } from './pos-load.ts';
import { runCli, startServer } from './server-process.ts';
import { canonicalizer, checkAcknowledged, checkRetries, checkNoStrangers, checkPoints, derivedSnapshot, factCounts, openStore, readTransactions } from './store-checks.ts';
import { dataDirsRemovedAfterAll, faultSeed, sleep } from './fault-run.ts';

/*
 * "No acknowledged POS transaction is lost or counted twice." Each cycle starts the real server as its own
 * process on a fresh data directory, drives a concurrent POS load at it, SIGKILLs it at a seeded random
 * moment, restarts it on the same data and checks:
 *   - every transaction that got a 2xx is stored exactly once (by receipt and by id) with the customer,
 *     points, total and lines it was acknowledged with, and its ledger entries match those points;
 *   - re-posting every acknowledged transaction answers 200 with the first answer and writes nothing
 *     (its customer_id may name the survivor of a later merge: the same customer);
 *   - a request that got no answer is absent or stored once: re-posting it answers 200 (it was stored,
 *     with the same content) or 201 (it was not), never 409 or 5xx; a refused request (4xx) is absent;
 *   - nothing is stored that was never sent; per customer, ledger sum = customer_points balance =
 *     spendable + pending, and no merged-away customer keeps points or transactions;
 *   - `cli rebuild` afterwards reproduces the derived tables.
 * Reproduce a run with FAULT_SEED=<printed seed>: the kill moments and each terminal's random choices follow
 * from it; which acknowledged sales get returned or re-posted, and what is in flight at the kill, depend on
 * timing too.
 */

const CYCLES = 5;
const POSTERS = 24;
const BASE_SEED = faultSeed('sigkill-ingest');
const dirs = dataDirsRemovedAfterAll();

async function killCycle(seed: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'store-fault-'));
  let keep = true;
  try {
    await runOneCycle(seed, dir);
    keep = false;
  } finally {
    if (keep) console.log(`  seed ${seed}: data kept in ${dir}`);
    else dirs.push(dir);
  }
}

async function runOneCycle(seed: number, dir: string): Promise<void> {
  const rnd = seededRandom(seed);
  const killAfterMs = rnd.int(150, 1500);
  const token = (await runCli(dir, ['token', 'create', '--role', 'terminal', '--name', 'fault'])).trim();
  const t0 = performance.now();

  // 1. Load, and SIGKILL in the middle of it.
  const first = await startServer(dir);
  const loading = runPosLoad({ url: first.url, token, seed, posters: POSTERS, tag: seed.toString(36), deadlineMs: killAfterMs + 10_000 });
  await sleep(killAfterMs);
  const killed = await first.kill();
  const load = await loading;
  expect(killed.signal).toBe('SIGKILL');
  expect(load.problems, first.output()).toEqual([]);
  // The load really ran and really was cut off.
  expect(load.acked.size).toBeGreaterThan(0);
  expect(load.unanswered.size).toBeGreaterThan(0);
  const tLoad = performance.now();

  // 2. Restart on the same data; check what is there before anyone posts again.
  const second = await startServer(dir);
  const acked = [...load.acked.values()];
  const unanswered = [...load.unanswered.values()];
  let db = openStore(dir);
  const afterCrash = factCounts(db);
  expect(checkAcknowledged(db, load.acked)).toEqual([]);
  const known = new Set([...load.acked.keys(), ...load.unanswered.keys()]);
  expect(checkNoStrangers(db, known)).toEqual([]);
  const storedKeys = new Map(readTransactions(db).map((r) => [txKey(r), r.id]));
  expect([...load.refused.keys()].filter((k) => storedKeys.has(k))).toEqual([]);
  const canonical = canonicalizer(db);
  const sameCustomer = (a: string | null, b: string | null) => (a === null ? b === null : b !== null && canonical(a) === canonical(b));
  expect(load.replayedCustomers.filter((r) => !sameCustomer(r.acknowledged, r.replayed))).toEqual([]);
  db.close();

  // 3. Every acknowledged transaction again: 200, the first answer, nothing written.
  const replays = await postEach(second.url, token, acked.map((a) => a.tx));
  const replayProblems = replays.flatMap((res, i) => {
    const ack = acked[i] as Ack;
    if (res === null) return [`${txKey(ack.tx)}: no answer to the replay`];
    if (res.status !== 200) return [`${txKey(ack.tx)}: replay answered ${res.status} ${JSON.stringify(res.body)}`];
    const result = resultOf(res.body);
    return sameAnswerButCustomer(result, ack.result) && sameCustomer(result.customer_id, ack.result.customer_id)
      ? []
      : [`${txKey(ack.tx)}: replay answered ${JSON.stringify(result)}, acknowledged ${JSON.stringify(ack.result)}`];
  });
  expect(replayProblems).toEqual([]);
  db = openStore(dir);
  expect(factCounts(db)).toEqual(afterCrash);
  db.close();

  // 4. Every unanswered one again: 200 exactly when it was stored (same id), else 201; or refused for points now.
  const retries = await postEach(second.url, token, unanswered);
  const retryProblems = checkRetries(storedKeys, unanswered, retries);
  expect(retryProblems).toEqual([]);
  const presentBefore = unanswered.filter((tx) => storedKeys.has(txKey(tx))).length;

  // 5. Graceful stop; facts and derived data on the closed file.
  const stopped = await second.stop();
  expect(stopped.code, second.output()).toBe(0);
  db = openStore(dir);
  expect(checkAcknowledged(db, load.acked)).toEqual([]);
  expect(checkNoStrangers(db, known)).toEqual([]);
  expect(checkPoints(db, Date.now())).toEqual([]);
  const final = factCounts(db);
  const derived = derivedSnapshot(db);
  const merged = db.query<{ n: number }, []>('SELECT count(*) AS n FROM customers WHERE merged_into IS NOT NULL').get()!.n;
  db.close();
  expect(final.transactions).toBe(afterCrash.transactions! + retries.filter((r) => r?.status === 201).length);

  // 6. A rebuild from facts gives the same derived tables.
  await runCli(dir, ['rebuild']);
  db = openStore(dir);
  expect(derivedSnapshot(db)).toEqual(derived);
  db.close();

  console.log(
    `  seed ${seed}: SIGKILL at ${killAfterMs} ms after ${load.requests} requests (${load.batches} batches, ${load.replays} re-posts during load); ` +
      `${load.acked.size} acknowledged, ${load.refused.size} refused, ${unanswered.length} unanswered (${presentBefore} of them stored before the kill); ` +
      `${final.transactions} transactions, ${final.customers} customers (${merged} merged), ${final.loyalty_ledger} ledger entries; ` +
      `load ${Math.round(tLoad - t0)} ms, checks ${Math.round(performance.now() - tLoad)} ms`,
  );
}

describe('SIGKILL during POS ingest loses no acknowledged transaction and counts none twice', () => {
  for (let i = 0; i < CYCLES; i++) {
    const seed = (BASE_SEED + i * 7919) >>> 0;
    it(`cycle ${i + 1} (seed ${seed})`, () => killCycle(seed), 45_000);
  }
});
