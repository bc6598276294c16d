import { Database } from 'bun:sqlite';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { startCheckpointer } from '../server/db/checkpointer.ts';
import { collectingLogger, type LogLine } from './support/log-lines.ts';

it('checkpoints the WAL into the database from its worker while the writer never does', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'checkpointer-'));
  const file = join(dir, 'c.db');
  const sqlite = new Database(file, { create: true });
  sqlite.exec('PRAGMA journal_mode = WAL');
  sqlite.exec('CREATE TABLE t (x BLOB)');
  const lines: LogLine[] = [];
  const checkpoints = startCheckpointer(sqlite, file, collectingLogger(lines));
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
