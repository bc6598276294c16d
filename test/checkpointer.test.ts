import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCheckpointer } from '../server/db/checkpointer.ts';
import { dbPath, openDb, WAL_SIZE_LIMIT_BYTES } from '../server/db/open.ts';

it('checkpoints the WAL into the database from its worker while the writer never does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  const file = join(dir, 'c.db');
  const sqlite = new Database(file, { create: true });
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('CREATE TABLE t (x BLOB)');
  const lines: string[] = [];
  const checkpoints = startCheckpointer(sqlite, file, (l) => lines.push(l));
  try {
    expect((sqlite.query('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint).toBe(0);
    const insert = sqlite.query('INSERT INTO t VALUES (randomblob(4096))');
    sqlite.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run();
    })();
    const before = statSync(file).size;
    expect(before).toBeLessThan(1_000_000); // everything is still in the WAL
    let after = before;
    for (let i = 0; i < 40 && after < 8_000_000; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = statSync(file).size;
    }
    expect(after).toBeGreaterThan(8_000_000); // ~8 MB copied into the database by the worker
    expect(lines).toEqual([]); // the watchdog had no reason to step in
  } finally {
    checkpoints.stop();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

/** One transaction of 1.5 × the WAL's size limit in 4,000-byte rows; returns the rows written. */
function writeBurst(sqlite: Database): number {
  sqlite.exec('CREATE TABLE scratch (x BLOB)');
  const insert = sqlite.query('INSERT INTO scratch VALUES (randomblob(4000))');
  const rows = Math.ceil((WAL_SIZE_LIMIT_BYTES * 1.5) / 4000);
  sqlite.transaction(() => {
    for (let i = 0; i < rows; i++) insert.run();
  })();
  return rows;
}

it('gives the WAL file back down to its limit after a burst, at the first commit once it restarts', () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-limit-'));
  const db = openDb(dbPath(dir));
  const sqlite = db.$client;
  try {
    const rows = writeBurst(sqlite);
    const wal = `${dbPath(dir)}-wal`;
    expect(statSync(wal).size).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    const ck = sqlite.query('PRAGMA wal_checkpoint(PASSIVE)').get() as { busy: number; log: number; checkpointed: number };
    expect(ck.checkpointed).toBe(ck.log);
    sqlite.exec('DELETE FROM scratch WHERE rowid = 1'); // the next writer restarts the WAL
    expect(statSync(wal).size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES);
    expect(sqlite.query('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: rows - 1 });
  } finally {
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

it('after a burst, restarts the WAL from its own thread so no later write of the store pays for the truncation', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wal-restart-'));
  const db = openDb(dbPath(dir));
  const sqlite = db.$client;
  const checkpoints = startCheckpointer(sqlite, dbPath(dir), () => undefined);
  try {
    const rows = writeBurst(sqlite);
    const wal = `${dbPath(dir)}-wal`;
    expect(statSync(wal).size).toBeGreaterThan(WAL_SIZE_LIMIT_BYTES);
    let size = statSync(wal).size;
    for (let i = 0; i < 100 && size > WAL_SIZE_LIMIT_BYTES; i++) {
      await new Promise((r) => setTimeout(r, 100));
      size = statSync(wal).size;
    }
    expect(size).toBeLessThanOrEqual(WAL_SIZE_LIMIT_BYTES); // with no write from this connection
    expect(sqlite.query("SELECT value FROM store_metrics WHERE key = 'wal_restarted'").get()).toEqual({ value: 'true' });
    expect(sqlite.query('SELECT count(*) AS n FROM scratch').get()).toEqual({ n: rows });
  } finally {
    checkpoints.stop();
    sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
