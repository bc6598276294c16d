import { Database } from 'bun:sqlite';
import { mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createWalSync } from '../server/db/wal-sync.ts';
import { AppError } from '../server/kernel/errors.ts';
import { createWriteQueue } from '../server/db/write-queue.ts';

/** A WAL database with one table, and a `durable` the test releases by hand; `wrap` is what the queue gets of it. */
function setup(wrap: (sqlite: Database) => Database = (sqlite) => sqlite) {
  const dir = mkdtempSync(join(tmpdir(), 'write-queue-'));
  const sqlite = new Database(join(dir, 'q.db'), { create: true, strict: true });
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('PRAGMA synchronous = NORMAL');
  sqlite.exec('CREATE TABLE t (k TEXT PRIMARY KEY)');
  const gates: Array<{ release: () => void; fail: (e: Error) => void }> = [];
  const logged: Array<{ event: string; fields: Record<string, unknown> }> = [];
  const log = { debug() {}, info() {}, warn() {}, error: (event: string, fields: Record<string, unknown> = {}) => void logged.push({ event, fields }) };
  let fatalCalls = 0;
  const queue = createWriteQueue(wrap(sqlite), {
    durable: () => new Promise<void>((resolve, reject) => gates.push({ release: resolve, fail: reject })),
    log,
    fatal: () => void fatalCalls++,
  });
  const insert = (k: string) => () => sqlite.query('INSERT INTO t (k) VALUES (?)').run(k).changes;
  const count = () => (sqlite.query('SELECT count(*) AS n FROM t').get() as { n: number }).n;
  return { dir, sqlite, queue, gates, insert, count, logged, fatalCalls: () => fatalCalls, close: () => (sqlite.close(), rmSync(dir, { recursive: true, force: true })) };
}

const settled = async <T>(p: Promise<T>) => {
  let state = 'pending';
  p.then(() => (state = 'resolved'), () => (state = 'rejected'));
  await new Promise((r) => setTimeout(r, 20));
  return state;
};

describe('write queue', () => {
  let env: ReturnType<typeof setup> | null = null;
  afterEach(() => env?.close());

  it('answers a group only after the fsync that covers its commit', async () => {
    env = setup();
    const a = env.queue.run(env.insert('a'));
    const b = env.queue.run(env.insert('b'));
    expect(await settled(a)).toBe('pending');
    expect(env.count()).toBe(2); // committed (visible) in one group, but not yet acknowledged
    expect(env.gates).toHaveLength(1);
    env.gates[0]!.release();
    await expect(Promise.all([a, b])).resolves.toEqual([1, 1]);
  });

  it('answers derived writes at commit, while facts of the same group still wait for the fsync', async () => {
    env = setup();
    const fact = env.queue.run(env.insert('fact'));
    const derived = env.queue.runDerived(env.insert('derived'));
    await expect(derived).resolves.toBe(1);
    expect(await settled(fact)).toBe('pending');
    env.gates[0]!.release();
    await expect(fact).resolves.toBe(1);
    // A group of derived writes only needs no fsync at all.
    await expect(env.queue.runDerived(env.insert('derived-2'))).resolves.toBe(1);
    expect(env.gates).toHaveLength(1);
  });

  it('a bad item rolls back alone; the rest of its group commits', async () => {
    env = setup();
    const good = env.queue.run(env.insert('x'));
    const dup = env.queue.run(env.insert('x'));
    await new Promise((r) => setTimeout(r, 10));
    env.gates[0]!.release();
    await expect(good).resolves.toBe(1);
    await expect(dup).rejects.toThrow(/UNIQUE/);
    expect(env.count()).toBe(1);
  });

  it('a failed fsync answers 503 to the whole group and never claims success', async () => {
    env = setup();
    const a = env.queue.run(env.insert('a'));
    await new Promise((r) => setTimeout(r, 10));
    env.gates[0]!.fail(new Error('EIO'));
    const error = await a.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).status).toBe(503);
    expect((error as AppError).code).toBe('unavailable');
  });

  it('on a full database abandons the whole group (503 storage_full, nothing written) and writes again once space is back', async () => {
    env = setup();
    const { sqlite, queue, gates } = env;
    // SQLite's own size limit raises the same SQLITE_FULL a full disk does, at the page that does not fit.
    const pages = (sqlite.query('PRAGMA page_count').get() as { page_count: number }).page_count;
    sqlite.exec(`PRAGMA max_page_count = ${pages}`);
    const big = (k: string) => () => sqlite.query('INSERT INTO t (k) VALUES (?)').run(k.padEnd(200_000, 'x')).changes;
    const group = [queue.run(env.insert('before')), queue.run(big('big')), queue.runDerived(env.insert('after'))];
    const errors = await Promise.all(group.map((p) => p.then(() => null, (e: unknown) => e)));
    for (const error of errors) {
      expect(error).toBeInstanceOf(AppError);
      expect((error as AppError).status).toBe(503);
      expect((error as AppError).code).toBe('storage_full');
    }
    expect(env.count()).toBe(0); // 'before' fitted, and was rolled back with its group all the same
    expect(sqlite.inTransaction).toBe(false);
    expect(gates).toHaveLength(0); // nothing committed, nothing to fsync

    sqlite.exec('PRAGMA max_page_count = 1000000');
    const again = queue.run(big('big'));
    await new Promise((r) => setTimeout(r, 10));
    gates[0]!.release();
    await expect(again).resolves.toBe(1);
    expect(env.count()).toBe(1);
  });

  it('logs write_queue.rollback_failed and calls fatal when a failed ROLLBACK leaves the connection in its transaction', async () => {
    // The real database, whose COMMIT and ROLLBACK fail as they would on a disk that went away (I/O error).
    env = setup(
      (sqlite) =>
        new Proxy(sqlite, {
          get(target, key) {
            if (key !== 'run') {
              const value: unknown = Reflect.get(target, key);
              return typeof value === 'function' ? value.bind(target) : value;
            }
            return (sql: string) => {
              if (sql === 'COMMIT' || sql === 'ROLLBACK') throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
              return target.run(sql);
            };
          },
        }),
    );
    const write = env.queue.run(env.insert('a'));
    await expect(write).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    expect(env.fatalCalls()).toBe(1);
    expect(env.logged).toEqual([{ event: 'write_queue.rollback_failed', fields: expect.objectContaining({ error_code: 'SQLITE_IOERR', group: 1, stuck: true }) }]);
    expect(env.sqlite.inTransaction).toBe(true);
    env.sqlite.run('ROLLBACK');
  });

  it('logs a ROLLBACK that fails on a closed database, without calling fatal: no connection is left to be stuck', async () => {
    env = setup();
    const before = env.queue.run(env.insert('a'));
    const closing = env.queue.run(() => env!.sqlite.close(false));
    await expect(Promise.all([before, closing])).rejects.toMatchObject({ status: 503, code: 'unavailable' });
    expect(env.fatalCalls()).toBe(0);
    expect(env.logged).toEqual([{ event: 'write_queue.rollback_failed', fields: expect.objectContaining({ group: 2, stuck: false }) }]);
  });

  it('groups later writes while an fsync is running, and keeps going after it', async () => {
    env = setup();
    const first = env.queue.run(env.insert('1'));
    await new Promise((r) => setTimeout(r, 10));
    const second = env.queue.run(env.insert('2'));
    await new Promise((r) => setTimeout(r, 10));
    expect(env.gates).toHaveLength(2); // the second group committed without waiting for the first fsync
    env.gates[1]!.release();
    env.gates[0]!.release();
    await expect(Promise.all([first, second])).resolves.toEqual([1, 1]);
  });
});

describe('WAL fsync', () => {
  it('syncs the WAL of a real database, coalescing concurrent callers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wal-sync-'));
    const sqlite = new Database(join(dir, 'w.db'), { create: true });
    sqlite.exec('PRAGMA journal_mode = WAL');
    sqlite.exec('CREATE TABLE t (k)');
    sqlite.exec("INSERT INTO t VALUES ('x')");
    const sync = createWalSync(join(dir, 'w.db-wal'));
    await expect(Promise.all(Array.from({ length: 20 }, () => sync.durable()))).resolves.toHaveLength(20);
    const missing = createWalSync(join(dir, 'nope.db-wal'));
    await expect(missing.durable()).rejects.toThrow();
    // The last connection closing deletes the WAL; the next one makes a new file, which is what gets synced.
    sqlite.close();
    const reopened = new Database(join(dir, 'w.db'));
    reopened.exec("INSERT INTO t VALUES ('y')");
    await sync.durable();
    // This process's descriptors on the WAL: none may point at the deleted file.
    const onWal = readdirSync('/proc/self/fd')
      .map((fd) => { try { return readlinkSync(`/proc/self/fd/${fd}`); } catch { return ''; } })
      .filter((target) => target.startsWith(join(dir, 'w.db-wal')));
    expect(onWal.length).toBeGreaterThan(0);
    expect(onWal.filter((target) => target.includes('(deleted)'))).toEqual([]);
    reopened.close();
    sync.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
