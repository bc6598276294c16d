import { openFileBytes } from '../file-bytes.ts';

/*
 * Streaming reader of the transaction-lines CSV (`customer_id,transaction_id,occurred_at,sku,quantity,
 * amount`, then optionally `name` and `category` in either order; header row; `.csv` or gzip, detected by its
 * magic bytes). An empty customer_id is an anonymous sale's line. Never holds the file: rows come out in
 * chunks as the bytes arrive. Plain lines take a fast split; a line with a quote goes through an RFC 4180
 * field parser (quoted commas, doubled quotes, newlines inside quotes).
 */

export const LINES_CSV_HEADER = ['customer_id', 'transaction_id', 'occurred_at', 'sku', 'quantity', 'amount'] as const;
/** Columns a store's export may add after the six required ones (the item's name and category). */
export const LINES_CSV_OPTIONAL = ['name', 'category'] as const;
type OptionalColumn = (typeof LINES_CSV_OPTIONAL)[number];

export interface LinesCsvRow {
  /** 1-based line number in the file (of the row's first line). */
  lineNo: number;
  /** Null: an anonymous sale (no loyalty customer named). */
  customerId: string | null;
  transactionId: string;
  occurredAt: number;
  utcOffsetMin: number;
  sku: string | null;
  /** Thousandths, signed (negative for returned units). */
  quantityMilli: number;
  /** Minor units, signed; null when the file has no amount. */
  amountMinor: number | null;
  /** The item's name and category when the file has those columns and the row fills them. */
  name: string | null;
  category: string | null;
}

/** The file cannot be read as a lines CSV at all (header, gzip stream): nothing of it should be kept. */
export class CsvFileError extends Error {
  constructor(readonly file: string, message: string) {
    super(`${file}: ${message}`);
    this.name = 'CsvFileError';
  }
}

/** A row is wrong; in strict mode the first one stops the file. */
export class CsvRowError extends Error {
  constructor(readonly file: string, readonly line: number, readonly reason: string) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'CsvRowError';
  }
}

export interface ReadLinesCsvOptions {
  minorDigits?: number;
  /** Called for each bad row (skipped) unless strict. */
  onReject?: (r: { line: number; reason: string }) => void;
  strict?: boolean;
  onProgress?: (bytesRead: number, totalBytes: number) => void;
  /** Rows per yielded chunk. */
  chunkRows?: number;
}

const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export async function* readLinesCsv(path: string, opts: ReadLinesCsvOptions = {}): AsyncGenerator<LinesCsvRow[]> {
  const scale = 10 ** (opts.minorDigits ?? 2);
  const chunkRows = opts.chunkRows ?? 8192;
  const source = await openFileBytes(path, opts.onProgress).catch((e: unknown) => {
    throw new CsvFileError(path, e instanceof Error ? e.message : String(e));
  });

  const decoder = new TextDecoder('utf-8', { fatal: false });
  let carry = '';
  let lineNo = 0;
  let header = true;
  let out: LinesCsvRow[] = [];
  let width: number = LINES_CSV_HEADER.length;
  // Where the optional columns are, by index (-1 absent).
  let nameAt = -1;
  let categoryAt = -1;
  // Timestamps repeat for every line of a basket: parse each distinct one once.
  let lastStamp = '';
  let lastTime = 0;
  let lastOffset = 0;

  const reject = (line: number, reason: string) => {
    if (opts.strict) throw new CsvRowError(path, line, reason);
    opts.onReject?.({ line, reason });
  };

  const handleRecord = (fields: string[], line: number) => {
    if (header) {
      header = false;
      const names = fields.map((f, i) => (i === 0 ? f.replace(/^\uFEFF/, '') : f).trim());
      const required = names.slice(0, LINES_CSV_HEADER.length);
      if (required.join(',') !== LINES_CSV_HEADER.join(',')) {
        throw new CsvFileError(path, `expected the header to start with ${LINES_CSV_HEADER.join(',')}, found ${names.join(',')}`);
      }
      const extra = names.slice(LINES_CSV_HEADER.length);
      for (const [i, name] of extra.entries()) {
        if (!(LINES_CSV_OPTIONAL as readonly string[]).includes(name)) {
          throw new CsvFileError(path, `unknown column "${name}": after the six required columns a lines CSV may have ${LINES_CSV_OPTIONAL.join(' and ')}`);
        }
        if (extra.indexOf(name) !== i) throw new CsvFileError(path, `the column "${name}" appears twice`);
      }
      const at = (c: OptionalColumn) => (extra.includes(c) ? LINES_CSV_HEADER.length + extra.indexOf(c) : -1);
      nameAt = at('name');
      categoryAt = at('category');
      width = names.length;
      return;
    }
    if (fields.length === 1 && fields[0] === '') return; // blank line
    if (fields.length !== width) return reject(line, `expected ${width} columns, found ${fields.length}`);
    const [customerId = '', transactionId = '', stamp = '', sku = '', quantity = '', amount = ''] = fields;
    if (transactionId === '') return reject(line, 'transaction_id is empty');
    if (stamp !== lastStamp) {
      const t = ISO_WITH_OFFSET.test(stamp) ? Date.parse(stamp) : Number.NaN;
      if (!Number.isFinite(t)) return reject(line, `occurred_at is not an ISO 8601 time with offset: "${stamp}"`);
      lastStamp = stamp;
      lastTime = t;
      lastOffset = offsetMinutes(stamp);
    }
    const q = quantity === '' ? Number.NaN : Number(quantity);
    if (!Number.isFinite(q)) return reject(line, `quantity is not a number: "${quantity}"`);
    let amountMinor: number | null = null;
    if (amount !== '') {
      const a = Number(amount);
      if (!Number.isFinite(a)) return reject(line, `amount is not a number: "${amount}"`);
      amountMinor = Math.round(a * scale);
    }
    out.push({
      lineNo: line,
      customerId: customerId === '' ? null : customerId,
      transactionId,
      occurredAt: lastTime,
      utcOffsetMin: lastOffset,
      sku: sku === '' ? null : sku,
      quantityMilli: Math.sign(q) * Math.round(Math.abs(q) * 1000),
      amountMinor,
      name: nameAt < 0 ? null : fields[nameAt]!.trim() || null,
      category: categoryAt < 0 ? null : fields[categoryAt]!.trim() || null,
    });
  };

  // A record may span physical lines when a quoted field holds a newline.
  let pending: string | null = null;
  let pendingLine = 0;
  const handleLine = (text: string) => {
    lineNo += 1;
    const line = text.endsWith('\r') ? text.slice(0, -1) : text;
    if (pending !== null) {
      pending += `\n${line}`;
      if (!quotesBalanced(pending)) return;
      const rec = pending;
      pending = null;
      return handleRecord(parseQuoted(rec), pendingLine);
    }
    if (!line.includes('"')) return handleRecord(line.split(','), lineNo);
    if (!quotesBalanced(line)) {
      pending = line;
      pendingLine = lineNo;
      return;
    }
    return handleRecord(parseQuoted(line), lineNo);
  };

  try {
    for await (const chunk of source) {
      const text = carry + decoder.decode(chunk as Buffer, { stream: true });
      let start = 0;
      for (;;) {
        const nl = text.indexOf('\n', start);
        if (nl < 0) break;
        handleLine(text.slice(start, nl));
        start = nl + 1;
      }
      carry = text.slice(start);
      if (out.length >= chunkRows) {
        yield out;
        out = [];
      }
    }
  } catch (error) {
    if (error instanceof CsvRowError || error instanceof CsvFileError) throw error;
    throw new CsvFileError(path, `cannot read the file (${error instanceof Error ? error.message : String(error)}); is it truncated or corrupt?`);
  }
  carry += decoder.decode();
  if (carry !== '') handleLine(carry);
  if (pending !== null) reject(pendingLine, 'unterminated quoted field');
  if (header) throw new CsvFileError(path, 'the file is empty (no header)');
  if (out.length > 0) yield out;
}

function offsetMinutes(stamp: string): number {
  if (stamp.endsWith('Z')) return 0;
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(stamp);
  if (!m) return 0;
  const v = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -v : v;
}

function quotesBalanced(s: string): boolean {
  let n = 0;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === 34) n++;
  return n % 2 === 0;
}

/** RFC 4180 fields of one record: quoted fields may hold commas, newlines and doubled quotes. */
export function parseQuoted(record: string): string[] {
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    let field = '';
    if (record[i] === '"') {
      i++;
      for (;;) {
        const q = record.indexOf('"', i);
        if (q < 0) {
          field += record.slice(i);
          i = record.length;
          break;
        }
        field += record.slice(i, q);
        if (record[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      const comma = record.indexOf(',', i);
      i = comma < 0 ? record.length : comma;
    } else {
      const comma = record.indexOf(',', i);
      field = record.slice(i, comma < 0 ? record.length : comma);
      i = comma < 0 ? record.length : comma;
    }
    fields.push(field);
    if (i >= record.length) return fields;
    i++; // the comma
  }
}
