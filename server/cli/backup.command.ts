import { existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../kernel/config.ts';
import { InputError } from '../kernel/errors.ts';
import { backupFileName, backupsDir, writeBackup } from '../db/backup-file.ts';
import { backupSpace } from '../db/backup-space.ts';
import { dbPath } from '../db/open.ts';
import { restoreBackup } from '../db/restore-backup.ts';

/** `backup [--out FILE]`: a consistent copy while the server serves; prints the backup's path on stdout. */
export async function runBackup(args: string[], config: Config, now: number): Promise<void> {
  const { values, positionals } = parseArgs({ args, allowPositionals: true, options: { out: { type: 'string' } } });
  if (positionals.length > 0) throw new InputError('invalid', 'usage: backup [--out FILE]');
  const source = dbPath(config.DATA_DIR);
  if (!existsSync(source)) throw new InputError('not_found', `no store database at ${source}`);
  const dir = backupsDir(config.DATA_DIR);
  const out = values.out ? resolve(values.out) : resolve(dir, backupFileName(config.STORE_ID, now));
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const space = backupSpace(source, dir);
  if (space.available < space.needed) {
    throw new InputError('failed', `not enough free space for a backup in ${dir}: ${mib(space.needed)} MiB needed (the database × 1.2 + 64 MiB), ${mib(space.available)} MiB free`);
  }
  const result = await writeBackup(source, out, dir);
  console.error(`backup of ${source}: ${result.bytes} bytes (${result.databaseBytes} uncompressed), sha256 ${result.sha256} in ${out}.sha256`);
  process.stdout.write(`${result.path}\n`);
}

const mib = (bytes: number) => Math.floor(bytes / (1024 * 1024));

/** `restore FILE`, with the server stopped: verifies the backup, then puts it in place of store.db. */
export async function runRestore(args: string[], config: Config, now: number): Promise<void> {
  const { positionals } = parseArgs({ args, allowPositionals: true, options: {} });
  if (positionals.length !== 1) throw new InputError('invalid', 'usage: restore FILE');
  const { restored, keptAs, record, backupTakenAt } = await restoreBackup(config.DATA_DIR, resolve(positionals[0]!), now);
  console.error(`restored ${positionals[0]} into ${restored}${keptAs ? `; the database it replaced is kept as ${keptAs}` : ''}`);
  const taken = new Date(backupTakenAt).toISOString().replace(/\.\d{3}Z$/, 'Z');
  // Central does not send this store's own erasures back: the restored database holds the values again.
  console.error(`reminder: erasures made since the backup (taken ${taken}) must be made again`);
  if (record && config.CENTRAL_URL) {
    console.error(
      `sync: the next push asks central's cursor first; if central holds changes after the backup's last (${record.backup_last_seq}), ` +
        'new changes are numbered after them and those stay at central as the record of what this restore threw away',
    );
  }
}
