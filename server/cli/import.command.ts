import { statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppDeps } from '../orchestration/app-deps.ts';
import { readCsvTransactions } from '../ingest/csv/csv-transactions.ts';
import { afterImport, emptyTotals, type FileSource, importFile, type ImportTotals, type Rejection } from '../orchestration/import.service.ts';
import { ingestDepsFrom } from '../orchestration/apply-transaction.ts';
import { posLogFileSource } from '../ingest/poslog/poslog-source.ts';
import { toMajor } from '../kernel/money.ts';

/*
 * `cli import <file>… [--store S] [--json] [--strict]`: CSV lines (.csv, .csv.gz) and POSLog (.xml, .xml.gz).
 * Each file is applied whole or not at all. A progress line (lines/s, ETA) goes to stderr on a TTY; with
 * --json one JSON object goes to stdout at the end. Exit code 1 when a file could not be imported.
 */

export interface ImportSummary {
  files: number;
  transactions: number;
  duplicates: number;
  lines: number;
  customers: number;
  gross_amount: number;
  /** Rejected rows grouped by reason, most frequent first, each with its count and its first examples. */
  rejected: RejectionGroup[];
  failed: Array<{ file: string; error: string }>;
  seconds: number;
}

export interface RejectionGroup {
  reason: string;
  count: number;
  examples: Array<{ file: string; line: number | null; detail: string | null }>;
}

/** Examples kept per reason: enough to find the pattern in the file, never one entry per row of a bad export. */
const EXAMPLES_PER_REASON = 20;

/**
 * One group per kind of problem: the reason without what varies from row to row — the receipt it names
 * (`receipt 42: …`, `T1/42: …`), a quoted value (`…: "many"`), amounts (`grand total 12.00 …`). Each example
 * keeps the row's own full reason as its detail.
 */
export function groupRejections(rejected: readonly Rejection[]): RejectionGroup[] {
  const groups = new Map<string, RejectionGroup>();
  for (const r of rejected) {
    const reason = r.reason
      .replace(/^(receipt \S+|[^\s:]+\/[^\s:]+): /, '')
      .replace(/: ".*"$/s, '')
      .replace(/-?\d+\.\d+/g, '…');
    let g = groups.get(reason);
    if (!g) groups.set(reason, (g = { reason, count: 0, examples: [] }));
    g.count += 1;
    if (g.examples.length < EXAMPLES_PER_REASON) g.examples.push({ file: r.file, line: r.line, detail: reason === r.reason ? null : r.reason });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

function sourceFor(deps: AppDeps, file: string, storeId: string, progress: (bytes: number, total: number) => void): FileSource {
  if (/\.xml(\.gz)?$/i.test(file)) {
    return posLogFileSource(file, {
      storeId,
      minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS,
      timeZone: deps.config.STORE_TZ,
      phoneRegion: deps.config.STORE_PHONE_REGION,
      now: deps.clock(),
      onProgress: progress,
      // Cancelled, voided and training transactions did not happen: not imported, not rejections.
      onSkip: (s) => process.stderr.write(`${file}:${s.line}: skipped receipt ${s.receiptNo ?? '?'} (${s.reason})\n`),
    });
  }
  return {
    file,
    read: (reject) =>
      readCsvTransactions(file, {
        storeId,
        minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS,
        onReject: (r) => reject({ line: r.line, reason: r.reason }),
        onProgress: progress,
      }),
  };
}

export async function runImport(deps: AppDeps, args: string[]): Promise<ImportSummary> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { store: { type: 'string' }, json: { type: 'boolean', default: false }, strict: { type: 'boolean', default: false } },
  });
  if (positionals.length === 0) throw new Error('usage: import <file.csv|file.csv.gz|file.xml|file.xml.gz>… [--store S] [--json] [--strict]');
  const storeId = values.store ?? deps.config.STORE_ID;
  const totals: ImportTotals = emptyTotals();
  const failed: ImportSummary['failed'] = [];
  const t0 = performance.now();
  const tty = process.stderr.isTTY === true;
  for (const file of positionals) {
    const size = (() => {
      try {
        return statSync(file).size;
      } catch {
        return 0;
      }
    })();
    let lastDraw = 0;
    const fileStart = performance.now();
    const progress = (bytes: number, total: number) => {
      const now = performance.now();
      if (!tty || now - lastDraw < 200) return;
      lastDraw = now;
      const frac = total > 0 ? bytes / total : 0;
      const elapsed = (now - fileStart) / 1000;
      const eta = frac > 0 ? elapsed / frac - elapsed : 0;
      const bar = '#'.repeat(Math.round(frac * 30)).padEnd(30, '.');
      process.stderr.write(`\r${file} [${bar}] ${Math.round(frac * 100)}%  ${Math.round(totals.lines / Math.max(elapsed, 0.001))} lines/s  ETA ${eta.toFixed(0)} s   `);
    };
    try {
      await importFile(ingestDepsFrom(deps), sourceFor(deps, file, storeId, progress), { now: deps.clock(), strict: values.strict }, totals);
    } catch (error) {
      failed.push({ file, error: error instanceof Error ? error.message : String(error) });
    }
    if (tty) process.stderr.write(`\r${file}: done (${size} bytes)${' '.repeat(40)}\n`);
  }
  if (totals.transactions > 0) afterImport(deps.sqlite, deps.clock());
  return {
    files: totals.files,
    transactions: totals.transactions,
    duplicates: totals.duplicates,
    lines: totals.lines,
    customers: totals.customers,
    gross_amount: toMajor(totals.grossAmountMinor, deps.config.STORE_CURRENCY_MINOR_DIGITS),
    rejected: groupRejections(totals.rejected),
    failed,
    seconds: Math.round(performance.now() - t0) / 1000,
  };
}
