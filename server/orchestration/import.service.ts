import type { Database } from 'bun:sqlite';
import { updateCatalog } from '../catalog/catalog.service.ts';
import { preparedSavepoint } from '../db/savepoint.ts';
import { AppError, InputError } from '../kernel/errors.ts';
import { nonVoidTotal } from '../kernel/transaction-input.ts';
import { evaluateCustomerLifecycle } from '../lifecycle/lifecycle.service.ts';
import { applyTransaction, type IngestDeps } from './apply-transaction.ts';
import type { FileSource } from '../ingest/file-source.ts';
import { refreshStoreItemStats } from '../scoring/serving/store-item-stats.ts';

/*
 * History import: transactions from a file (CSV lines, POSLog) through the same ingest rules as the POS
 * API — idempotency, returns, voids, identity, points. One file is one SQLite transaction: a file that
 * turns out broken halfway (truncated gzip, malformed XML, a bad row with --strict) leaves nothing of
 * itself behind. Rows a source rejects are reported and skipped unless strict.
 */

export type { FileSource };

export interface Rejection {
  file: string;
  line: number | null;
  reason: string;
}

export interface ImportTotals {
  files: number;
  transactions: number;
  duplicates: number;
  lines: number;
  customers: number;
  /** Minor units: sum of the newly imported transactions' totals (returns negative). */
  grossAmountMinor: number;
  rejected: Rejection[];
}

export function emptyTotals(): ImportTotals {
  return { files: 0, transactions: 0, duplicates: 0, lines: 0, customers: 0, grossAmountMinor: 0, rejected: [] };
}


const countCustomers = (deps: IngestDeps) => deps.sqlite.query<{ n: number }, []>('SELECT count(*) AS n FROM customers').get()?.n ?? 0;

export async function importFile(deps: IngestDeps, source: FileSource, opts: { now: number; strict: boolean }, totals: ImportTotals): Promise<void> {
  const { sqlite } = deps;
  const touched = new Set<string>();
  const bulk: IngestDeps = { ...deps, deferLifecycle: touched, history: true };
  const file: ImportTotals = emptyTotals();
  const customersBefore = countCustomers(deps);
  const savepoint = preparedSavepoint(sqlite, 'import_tx');
  // A history import touches index pages all over the transactions table: a larger page cache for
  // the length of the file keeps them in memory until the one COMMIT.
  const cacheBefore = sqlite.query<{ cache_size: number }, []>('PRAGMA cache_size').get()?.cache_size ?? -65536;
  sqlite.exec('PRAGMA cache_size = -262144');
  try {
    sqlite.run('BEGIN IMMEDIATE');
    const reject = (r: { line: number | null; reason: string }) => {
      if (opts.strict) throw new InputError('invalid', `${source.file}:${r.line ?? '?'}: ${r.reason}`);
      file.rejected.push({ file: source.file, ...r });
    };
    for await (const batch of source.read(reject)) {
      for (const tx of batch) {
        try {
          const outcome = savepoint.run(() => applyTransaction(bulk, tx, opts.now));
          if (outcome.status === 201) {
            file.transactions += 1;
            file.lines += tx.lines.length;
            file.grossAmountMinor += (tx.kind === 'return' ? -1 : 1) * nonVoidTotal(tx.lines);
          } else file.duplicates += 1;
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          reject({ line: null, reason: `${tx.terminalId}/${tx.receiptNo}: ${error.message}` });
        }
      }
    }
    for (const id of touched) evaluateCustomerLifecycle(sqlite, deps.lifecycle, id, opts.now);
    sqlite.run('COMMIT');
  } catch (error) {
    if (sqlite.inTransaction) sqlite.run('ROLLBACK');
    throw error;
  } finally {
    sqlite.exec(`PRAGMA cache_size = ${cacheBefore}`);
  }
  await deps.durable?.().catch((error: unknown) => {
    throw new Error(`${source.file}: committed, but the disk did not confirm it (${error instanceof Error ? error.message : String(error)}); importing it again adds nothing twice`);
  });
  totals.files += 1;
  totals.transactions += file.transactions;
  totals.duplicates += file.duplicates;
  totals.lines += file.lines;
  totals.grossAmountMinor += file.grossAmountMinor;
  totals.customers += countCustomers(deps) - customersBefore;
  totals.rejected.push(...file.rejected);
}

/**
 * After an import, what follows the store's items at once rather than at the next daily sweep: the catalog
 * (names and categories of what was imported) and the ranker's item context, so that a rescore right after
 * an import recommends the imported shelves, named. One transaction.
 */
export function afterImport(sqlite: Database, now: number): { catalogSkus: number; items: number } {
  return sqlite.transaction(() => {
    const catalog = updateCatalog(sqlite, now);
    const stats = refreshStoreItemStats(sqlite, now);
    return { catalogSkus: catalog.skus, items: stats.items };
  })();
}
