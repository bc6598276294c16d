import type { TransactionInput } from '../kernel/transaction-input.ts';

/** A history file to import, read in batches of normalized transactions. */
export interface FileSource {
  file: string;
  /** Batches of transactions; rejections arrive through `reject` while reading. */
  read(reject: (r: { line: number | null; reason: string }) => void): AsyncIterable<TransactionInput[]>;
}
