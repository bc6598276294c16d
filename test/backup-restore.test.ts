import { Database } from 'bun:sqlite';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { backupFileName, checksumLine, checksumPath, sha256File, utcStamp } from '../server/db/backup-file.ts';
import { backupInWorker } from '../server/db/backup-in-worker.ts';
import { pruneBackups } from '../server/db/backup-retention.ts';
import { dbPath } from '../server/db/open.ts';
import { DAY_MS } from '../server/kernel/clock.ts';
import { backupIfDue, checkBackup, scheduleBackups } from '../server/orchestration/backup-schedule.ts';
import { collectingLogger, type LogLine } from './support/log-lines.ts';
import { backupSpace } from '../server/db/backup-space.ts';
import { silentLogger } from '../server/kernel/log.ts';
import { killAllChildren, runCli, startServer } from './fault/server-process.ts';
import { createTestAppliance, sale } from './support/test-appliance.ts';

/*
 * `cli backup` against a real server process while it serves, `cli restore` with it stopped, and every refusal
 * of restore (server running, checksum, corrupt file, newer schema) leaving the database as it was. The daily
 * automatic backup and its retention run through backupIfDue on a real database, with a settable clock.
 */

const dirs: string[] = [];
afterAll(async () => {
  await killAllChildren();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(dir);
  return dir;
}

/** The CLI's refusal: its exit and its stderr (the test fails if it succeeded). */
async function refusal(dataDir: string, args: string[]): Promise<string> {
  try {
    await runCli(dataDir, args);
  } catch (error) {
    return (error as Error).message.replace(/^cli .*? exited /, 'exited ');
  }
  throw new Error(`cli ${args.join(' ')} succeeded`);
}

/** A refusal is one line on stderr and exit code 2. */
const ONE_LINE = (text: string) => new RegExp(`^exited 2: [^\\n]*${text}[^\\n]*\\n?$`);

const count = (dataDir: string, file = dbPath(dataDir)) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.query<{ n: number }, []>('SELECT count(*) AS n FROM transactions').get()!.n;
  } finally {
    db.close();
  }
};

const sales = new Map<string, ReturnType<typeof sale>>();
/** Posts the sale with this receipt number (the same content each time it is posted). */
async function post(url: string, token: string, receipt: string): Promise<number> {
  if (!sales.has(receipt)) sales.set(receipt, sale({ receipt_no: receipt, occurred_at: new Date().toISOString() }));
  const res = await fetch(`${url}/api/v1/transactions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(sales.get(receipt)),
  });
  await res.body?.cancel();
  return res.status;
}

describe('cli backup and cli restore', () => {
  it('backs up while the server serves, refuses to restore under it, restores once it is stopped', async () => {
    const dir = tempDir('store-backup-');
    const token = (await runCli(dir, ['token', 'create', '--role', 'terminal', '--name', 'till'])).trim();
    const server = await startServer(dir);
    for (let i = 1; i <= 5; i++) expect(await post(server.url, token, `B${i}`)).toBe(201);

    const backup = (await runCli(dir, ['backup'])).trim();
    expect(backup.startsWith(join(dir, 'backups', 'store-S001-'))).toBe(true);
    expect(basename(backup)).toMatch(/^store-S001-\d{8}T\d{6}Z\.db\.zst$/);
    // sha256sum's format, and only the owner may read what holds customers' data.
    expect(readFileSync(checksumPath(backup), 'utf8')).toBe(checksumLine(await sha256File(backup), backup));
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    expect(statSync(checksumPath(backup)).mode & 0o777).toBe(0o600);
    expect(readdirSync(join(dir, 'backups')).sort()).toEqual([basename(backup), basename(checksumPath(backup))]);

    for (let i = 6; i <= 8; i++) expect(await post(server.url, token, `B${i}`)).toBe(201);
    expect(await refusal(dir, ['restore', backup])).toMatch(ONE_LINE(`server is running \\(pid ${server.pid}\\)`));
    expect(readdirSync(dir).filter((f) => f.includes('before-restore'))).toEqual([]);

    expect((await server.stop()).code).toBe(0);
    expect(existsSync(join(dir, 'server.pid'))).toBe(false);
    await runCli(dir, ['restore', backup]);
    expect(count(dir)).toBe(5);
    const kept = readdirSync(dir).filter((f) => /^store\.db\.before-restore-\d{8}T\d{6}Z$/.test(f));
    expect(kept).toHaveLength(1);
    expect(count(dir, join(dir, kept[0]!))).toBe(8);

    // The restored store serves: what was in the backup is a duplicate, what came after it is new again.
    const restarted = await startServer(dir);
    expect(await post(restarted.url, token, 'B5')).toBe(200);
    expect(await post(restarted.url, token, 'B6')).toBe(201);
    expect((await restarted.stop()).code).toBe(0);
  }, 90_000);

  it('restores after a server was killed: its stale server.pid does not count, and the replaced database keeps its WAL', async () => {
    const dir = tempDir('store-backup-killed-');
    const token = (await runCli(dir, ['token', 'create', '--role', 'terminal', '--name', 'till'])).trim();
    const server = await startServer(dir);
    for (let i = 1; i <= 3; i++) expect(await post(server.url, token, `K${i}`)).toBe(201);
    const backup = (await runCli(dir, ['backup', '--out', join(dir, 'elsewhere', 'k.db.zst')])).trim();
    expect(backup).toBe(join(dir, 'elsewhere', 'k.db.zst'));
    for (let i = 4; i <= 5; i++) expect(await post(server.url, token, `K${i}`)).toBe(201);
    await server.kill();
    expect(existsSync(join(dir, 'server.pid'))).toBe(true);

    await runCli(dir, ['restore', backup]);
    expect(count(dir)).toBe(3);
    expect(existsSync(`${dbPath(dir)}-wal`)).toBe(false);
    const kept = readdirSync(dir).find((f) => /^store\.db\.before-restore-\d{8}T\d{6}Z$/.test(f))!;
    // The two sales after the backup were committed to the killed server's WAL: they went with it.
    expect(existsSync(join(dir, `${kept}-wal`))).toBe(true);
    expect(count(dir, join(dir, kept))).toBe(5);
  }, 90_000);

  it('refuses a backup it cannot verify or that is not a sound store database of this release, replacing nothing', async () => {
    const dir = tempDir('store-restore-refusals-');
    await runCli(dir, ['token', 'create', '--role', 'terminal', '--name', 'till']); // creates the database
    const backup = (await runCli(dir, ['backup'])).trim();
    const before = await sha256File(dbPath(dir));
    const bytes = new Uint8Array(readFileSync(backup));
    const database = Bun.zstdDecompressSync(bytes);

    /** A backup file with the given content; its checksum file correct unless `sum` is given. */
    const candidate = async (name: string, content: Uint8Array, sum?: string) => {
      const file = join(dir, 'candidates', name);
      mkdirSync(join(dir, 'candidates'), { recursive: true });
      writeFileSync(file, content);
      if (sum !== '') writeFileSync(checksumPath(file), sum ?? checksumLine(await sha256File(file), file));
      return file;
    };
    const edited = (edit: (db: Database) => void) => {
      const file = join(dir, 'candidates', `edit-${Math.random().toString(36).slice(2)}.db`);
      writeFileSync(file, database);
      const db = new Database(file);
      edit(db);
      db.close();
      return Bun.zstdCompressSync(readFileSync(file));
    };
    const corruptPages = new Uint8Array(database);
    const pageSize = new DataView(corruptPages.buffer).getUint16(16);
    corruptPages.fill(0x5a, 3 * pageSize + 8, 6 * pageSize); // b-tree pages overwritten past their headers

    const cases: Array<[string, string]> = [
      [await candidate('wrong-sum.db.zst', bytes, checksumLine('0'.repeat(64), 'wrong-sum.db.zst')), 'checksum mismatch'],
      [await candidate('no-sum.db.zst', bytes, ''), 'no checksum file'],
      [await candidate('truncated.db.zst', bytes.subarray(0, bytes.length >> 1)), 'truncated or corrupt'],
      [await candidate('cut.db.zst', Bun.zstdCompressSync(database.subarray(0, database.length - 4096))), 'decompresses to \\d+ bytes, its database header says \\d+'],
      [await candidate('garbled.db.zst', bytes.map((b, i) => (i > 64 && i < 200 ? b ^ 0xff : b))), 'not a readable zstd backup|truncated or corrupt'],
      [await candidate('not-a-db.db.zst', Bun.zstdCompressSync(new TextEncoder().encode('not a database '.repeat(1000)))), 'SQLite database'],
      [await candidate('corrupt.db.zst', Bun.zstdCompressSync(corruptPages)), 'integrity'],
      [
        await candidate('newer.db.zst', edited((db) => db.run("INSERT INTO __drizzle_migrations (hash, created_at) VALUES ('from-a-later-release', 4102444800000)"))),
        'written by a newer release \\(\\d+ migrations, the newest from 2100-01-01T00:00:00.000Z\\); this release knows \\d+, up to \\d{4}_\\w+',
      ],
      [await candidate('other.db.zst', edited((db) => db.run('DROP TABLE __drizzle_migrations'))), 'not a store database'],
    ];
    for (const [file, reason] of cases) {
      expect(await refusal(dir, ['restore', file]), basename(file)).toMatch(ONE_LINE(reason));
    }
    expect(await refusal(dir, ['restore', join(dir, 'nowhere.db.zst')])).toMatch(ONE_LINE('no backup at'));
    expect(await sha256File(dbPath(dir))).toBe(before);
    expect(readdirSync(dir).filter((f) => f.startsWith('store.db.'))).toEqual([]);
  }, 90_000);
});

describe('automatic backups', () => {
  it('takes one when the newest is a day old, and deletes those past BACKUP_KEEP_DAYS, never the newest', async () => {
    const t = createTestAppliance({ now: '2026-12-03T03:00:00Z', env: { BACKUP_KEEP_DAYS: '7' } });
    try {
      const now = t.clock();
      const dir = join(t.dir, 'backups');
      mkdirSync(dir);
      const fake = (storeId: string, at: number) => {
        const file = join(dir, backupFileName(storeId, at));
        writeFileSync(file, 'old');
        writeFileSync(checksumPath(file), checksumLine('0'.repeat(64), file));
        return basename(file);
      };
      const expired = fake('S001', now - 10 * DAY_MS);
      const recent = fake('S001', now - 3 * DAY_MS);
      const otherStore = fake('S002', now - 30 * DAY_MS);
      const ahead = fake('S001', now + 30 * DAY_MS); // written while the box's clock was a month ahead
      writeFileSync(join(dir, 'notes.txt'), 'kept by the operator');
      // What a server stopped in the middle of a backup leaves behind: removed once a day old.
      const leftover = join(dir, '.snapshot-4242-1764600000000.db');
      writeFileSync(leftover, '');
      utimesSync(leftover, new Date(now - 2 * DAY_MS), new Date(now - 2 * DAY_MS));
      const inProgress = join(dir, `${backupFileName('S001', now)}.4343-1764700000000.partial`);
      writeFileSync(inProgress, '');
      // Databases restores replaced: they hold values erased since, so they age out like backups (with their WAL).
      const replaced = (at: number) => {
        const file = `${dbPath(t.dir)}.before-restore-${utcStamp(at)}`;
        writeFileSync(file, 'old');
        writeFileSync(`${file}-wal`, 'old');
        return file;
      };
      const oldReplaced = replaced(now - 10 * DAY_MS);
      const recentReplaced = replaced(now - 3 * DAY_MS);
      const deps = { config: t.config, source: dbPath(t.dir), clock: t.clock, takeBackup: backupInWorker };

      const first = await backupIfDue(deps);
      const taken = basename(first.taken!.path);
      expect(taken).toBe(backupFileName('S001', now));
      expect(first.pruned.map((p) => basename(p))).toEqual([basename(oldReplaced), expired]);
      expect([oldReplaced, `${oldReplaced}-wal`].filter((f) => existsSync(f))).toEqual([]);
      expect([recentReplaced, `${recentReplaced}-wal`].filter((f) => existsSync(f))).toEqual([recentReplaced, `${recentReplaced}-wal`]);
      expect(readdirSync(dir).sort()).toEqual(
        [recent, otherStore, ahead, taken, 'notes.txt', basename(inProgress)].flatMap((f) => (f.endsWith('.zst') ? [f, `${f}.sha256`] : [f])).sort(),
      );
      expect(readFileSync(checksumPath(first.taken!.path), 'utf8')).toBe(checksumLine(await sha256File(first.taken!.path), taken));

      t.clock.advance(60 * 60_000);
      expect(await backupIfDue(deps)).toEqual({ taken: null, pruned: [] });
      t.clock.advance(DAY_MS);
      expect((await backupIfDue(deps)).taken).not.toBeNull();

      // Long after (the store was off): everything past the window goes except the newest.
      const left = pruneBackups(dir, 'S001', 7, t.clock() + 60 * DAY_MS);
      expect(left).toHaveLength(3);
      expect(readdirSync(dir).filter((f) => f.startsWith('store-S001-') && f.endsWith('.zst'))).toHaveLength(1);
    } finally {
      t.close();
    }
  });

  it('skips a backup that would not fit on the disk, with backup.skipped, and takes none', async () => {
    const t = createTestAppliance({ now: '2026-12-03T03:00:00Z', env: { BACKUP_KEEP_DAYS: '7' } });
    try {
      const source = dbPath(t.dir);
      const { needed } = backupSpace(source, t.dir);
      expect(needed).toBeGreaterThan(64 * 1024 * 1024 + statSync(source).size);
      const deps = { config: t.config, source, clock: t.clock, takeBackup: backupInWorker, freeBytes: () => needed - 1 };
      const result = await backupIfDue(deps);
      expect(result).toEqual({ taken: null, pruned: [], skipped: { needed, available: needed - 1 } });
      expect(readdirSync(join(t.dir, 'backups'))).toEqual([]);
      // The schedule's check says so in its log.
      const lines: LogLine[] = [];
      await checkBackup(deps, collectingLogger(lines));
      expect(lines.map(({ ts: _, ...l }) => l)).toEqual([{ level: 'warn', event: 'backup.skipped', reason: 'disk_space', needed_bytes: needed, available_bytes: needed - 1 }]);
      expect((await backupIfDue({ ...deps, freeBytes: () => needed })).taken).not.toBeNull();
    } finally {
      t.close();
    }
  });

  it('removes at start the work files of processes that ended, keeping those of running ones', () => {
    const t = createTestAppliance({ now: '2026-12-03T03:00:00Z', env: { BACKUP_KEEP_DAYS: '7' } });
    try {
      const dir = join(t.dir, 'backups');
      mkdirSync(dir);
      // 4194304 is past Linux's largest pid: no process has it.
      const ended = ['.snapshot-4194305-1764600000000.db', `${backupFileName('S001', t.clock())}.4194305-1764600000000.partial`];
      const running = `.snapshot-${process.pid}-1764600000000.db`;
      for (const name of [...ended, running]) writeFileSync(join(dir, name), 'x');
      const schedule = scheduleBackups({ config: t.config, source: dbPath(t.dir), clock: t.clock, takeBackup: backupInWorker }, silentLogger);
      schedule.stop();
      expect(readdirSync(dir)).toEqual([running]);
    } finally {
      t.close();
    }
  });
});
