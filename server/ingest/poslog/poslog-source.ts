import { openFileBytes } from '../file-bytes.ts';
import type { FileSource } from '../file-source.ts';
import type { TransactionInput } from '../../kernel/transaction-input.ts';
import { mapPosLogTransaction, type PosLogContext } from './map-poslog-transaction.ts';
import { PosLogFormatError, readPosLogTransactions } from './read-poslog-xml.ts';
import { decodeXmlStream } from './xml-text-decoding.ts';

/*
 * A POSLog file (.xml, or gzipped) as an import source: streamed, mapped one <Transaction> at a time.
 * Rejected transactions are reported with the line of their <Transaction> tag; skipped ones (cancelled,
 * voided, training) are counted through `onSkip`. A malformed document throws at the point the parser
 * finds it, so importFile keeps nothing of the file.
 */

export interface PosLogSourceOptions extends Omit<PosLogContext, 'now'> {
  now: number;
  onSkip?: (s: { line: number; receiptNo: string | null; reason: string }) => void;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
}

/** The file cannot be read as POSLog at all (missing, not XML, truncated): nothing of it is kept. */
export class PosLogFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'PosLogFileError';
  }
}

export function posLogFileSource(file: string, opts: PosLogSourceOptions): FileSource {
  return { file, read: (reject) => readPosLogFile(file, opts, reject) };
}

async function* readPosLogFile(file: string, opts: PosLogSourceOptions, reject: (r: { line: number | null; reason: string }) => void): AsyncGenerator<TransactionInput[]> {
  const bytes = await openFileBytes(file, opts.onProgress).catch((e: unknown) => {
    throw new PosLogFileError(file, e instanceof Error ? e.message : String(e));
  });

  try {
    for await (const nodes of readPosLogTransactions(decodeXmlStream(bytes as AsyncIterable<Uint8Array>))) {
      const batch: TransactionInput[] = [];
      for (const node of nodes) {
        const outcome = mapPosLogTransaction(node, opts);
        if (outcome.type === 'ok') batch.push(...outcome.inputs);
        else if (outcome.type === 'rejected') reject({ line: outcome.line, reason: outcome.reason });
        else if (outcome.type === 'skipped') opts.onSkip?.({ line: outcome.line, receiptNo: outcome.receiptNo, reason: outcome.reason });
      }
      if (batch.length > 0) yield batch;
    }
  } catch (error) {
    if (error instanceof PosLogFormatError) throw new PosLogFileError(file, `malformed POSLog XML: ${error.message}`);
    // Stream errors (fs, zlib) carry a system code such as ENOENT or Z_BUF_ERROR; anything else (a strict
    // rejection, a bug) goes up as it is.
    const code = (error as { code?: unknown } | null)?.code;
    if (error instanceof Error && typeof code === 'string' && /^(E[A-Z]+|Z_[A-Z_]+|ERR_[A-Z_]+)$/.test(code)) {
      throw new PosLogFileError(file, `cannot read the file (${error.message}); is it truncated or corrupt?`);
    }
    throw error;
  }
}
