import { currentRequestId } from './request-context.ts';

/*
 * Structured logs: one line per event, `{ts, level, event, request_id?, ...fields}` as JSON (or a short text line
 * for a human at a terminal). Events have stable dotted names (`server.started`, `sync.push.failed`) so that
 * an operator can search and count them; the fields carry the figures.
 *
 * Never a personal value in a log line: a field whose name says it may hold one (phone, email, name, card,
 * identifier, birthday, address) is written as "[redacted]" whatever it holds, at any depth; errors are logged by
 * name and code (errorFields), their message only after phone-, card- and email-like runs are masked.
 */

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export type LogFormat = 'json' | 'text';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(event: string, fields?: LogFields): void;
  info(event: string, fields?: LogFields): void;
  warn(event: string, fields?: LogFields): void;
  error(event: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  level: LogLevel;
  format: LogFormat;
  /** Receives one finished line, without its newline. */
  write: (line: string) => void;
  /** Wall-clock epoch ms of each line: real time, not the store's injectable clock (a log says when it was written). */
  now?: () => number;
}

export const REDACTED = '[redacted]';
/** Field names that may hold a personal value; matched anywhere in the name (`customer_phone`, `cardNo`). */
const PERSONAL_KEY = /phone|e-?mail|name|card|identifier|birth|address/i;
/** In free text: an email, or a digit run (spaces, dashes, dots, a leading + allowed) that may be a phone or a card. */
const PERSONAL_TEXT = /[^\s@"'<>()]+@[^\s@"'<>()]+\.[A-Za-z]{2,}|\+?\d[\d .-]{5,}\d/g;
/** A date is not personal: kept, so that a message naming a day stays readable. */
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export function createLogger(opts: LoggerOptions): Logger {
  const threshold = LOG_LEVELS.indexOf(opts.level);
  const now = opts.now ?? Date.now;
  const emit = (level: LogLevel) => (event: string, fields: LogFields = {}) => {
    if (LOG_LEVELS.indexOf(level) < threshold) return;
    const requestId = currentRequestId();
    const record: LogFields = { ts: new Date(now()).toISOString(), level, event, ...(requestId ? { request_id: requestId } : {}), ...redact(fields) };
    opts.write(opts.format === 'json' ? safeJson(record) : textLine(record));
  };
  return { debug: emit('debug'), info: emit('info'), warn: emit('warn'), error: emit('error') };
}

/** The process's logger as configured (LOG_LEVEL, LOG_FORMAT): the servers log to stdout, the CLI to stderr (its stdout is its answer). */
export function processLogger(config: { LOG_LEVEL: LogLevel; LOG_FORMAT: LogFormat }, to: 'stdout' | 'stderr'): Logger {
  const stream = to === 'stdout' ? process.stdout : process.stderr;
  return createLogger({ level: config.LOG_LEVEL, format: config.LOG_FORMAT, write: (line) => stream.write(`${line}\n`) });
}

/** A logger that writes nothing: tests and tools that do not look at the logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The fields copied deep, with every field named like a personal value replaced. */
export function redact(fields: LogFields): LogFields {
  return redactValue(fields, 0) as LogFields;
}

function redactValue(value: unknown, depth: number): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (depth > 8) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const out: LogFields = {};
  for (const [k, v] of Object.entries(value)) out[k] = PERSONAL_KEY.test(k) ? REDACTED : redactValue(v, depth + 1);
  return out;
}

/** Free text with phone-, card- and email-like runs masked: for messages that may quote their input. */
export function maskPersonalText(text: string): string {
  // At least 7 digits: a phone (7+ local digits) or a card; shorter runs are counts, cursors or ports.
  return text.replace(PERSONAL_TEXT, (m) => (m.includes('@') || ((m.match(/\d/g)?.length ?? 0) >= 7 && !DATE.test(m)) ? REDACTED : m));
}

/**
 * An error as log fields: its class and code always; its message masked (maskPersonalText) and cut short,
 * unless `message: false` where it may quote a request's input (an unexpected error inside a request).
 */
export function errorFields(error: unknown, opts: { message?: boolean } = {}): LogFields {
  if (!(error instanceof Error)) return { error: typeof error };
  const code = (error as { code?: unknown }).code;
  const fields: LogFields = { error: error.name, ...(typeof code === 'string' || typeof code === 'number' ? { error_code: code } : {}) };
  if (opts.message !== false) fields.error_message = maskPersonalText(error.message).slice(0, 500);
  // The frames without the first line (which repeats the message): where it happened, never what it was given.
  const frames = error.stack?.split('\n').filter((l) => /^\s+at /.test(l)).slice(0, 8).map((l) => l.trim());
  if (frames && frames.length > 0) fields.stack = frames;
  return fields;
}

function safeJson(record: LogFields): string {
  try {
    return JSON.stringify(record, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  } catch {
    return JSON.stringify({ ts: record.ts, level: record.level, event: record.event, log_error: 'fields not serialisable' });
  }
}

/** `2026-12-03T07:32:09.000Z INFO  server.started port=8080 data_dir=./data` */
function textLine(record: LogFields): string {
  const { ts, level, event, ...rest } = record;
  const pairs = Object.entries(rest).map(([k, v]) => `${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`);
  return [String(ts), String(level).toUpperCase().padEnd(5), String(event), ...pairs].join(' ');
}
