import type { Context } from 'hono';
import { createMiddleware } from 'hono/factory';
import type { z } from 'zod';
import { AppError, zodDetails } from '../kernel/errors.ts';

const tooLarge = (maxBytes: number) =>
  new AppError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`, { max_bytes: maxBytes });

/**
 * Refuses bodies over `maxBytes` with 413: at once when Content-Length announces more, otherwise while
 * reading, as soon as the bytes pass the limit. A Content-Length is never trusted to be small (a streamed
 * or mis-announced body is counted), so at most `maxBytes` are ever held in memory.
 */
export function limitBody(maxBytes: number) {
  return createMiddleware(async function limitBody(c, next) {
    const raw = c.req.raw;
    if (!raw.body) return next();
    if (Number(raw.headers.get('content-length')) > maxBytes) throw tooLarge(maxBytes);
    const reader = raw.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await readChunk(reader, maxBytes);
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge(maxBytes);
      }
      chunks.push(value);
    }
    const body = new Uint8Array(size);
    let offset = 0;
    for (const chunk of chunks) {
      body.set(chunk, offset);
      offset += chunk.byteLength;
    }
    // Kept beside the request rather than in a new Request built around it: rebuilding one per POS
    // transaction cost more than reading the body did.
    readBodies.set(raw, body);
    await next();
  });
}

/** Bodies limitBody has read, by request (a request's stream can be read once). */
const readBodies = new WeakMap<Request, Uint8Array>();

/** The request's body bytes: as limitBody read them, or read now where no limit was set. */
export async function bodyBytes(c: Context): Promise<Uint8Array> {
  return readBodies.get(c.req.raw) ?? new Uint8Array(await c.req.arrayBuffer());
}

/**
 * Bun.serve refuses a body past its own maxRequestBodySize by failing the stream (and answering 413
 * itself); that is the client's mistake, not an unhandled error. Any other broken stream is a 400.
 */
async function readChunk(reader: ReadableStreamDefaultReader<Uint8Array>, maxBytes: number) {
  try {
    return await reader.read();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (/maxRequestBodySize/i.test(reason)) throw tooLarge(maxBytes);
    throw new AppError(400, 'bad_request', 'the body could not be read', { reason });
  }
}

/** application/json or application/<anything>+json; a charset, if given, must be UTF-8 (RFC 8259 §8.1). */
const JSON_MEDIA_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The body as JSON. A Content-Type other than JSON is 415 (none at all is read as JSON); bytes that are not
 * UTF-8 or text that is not JSON are 400 — never silently replaced. Strings with NUL or unpaired surrogates
 * are 422 unless `allowBadText` (the batch route checks per item instead): they cannot be stored byte-exact
 * (SQLite's text functions stop at NUL, PostgreSQL refuses it, an unpaired surrogate has no UTF-8 form).
 */
export async function readJson(c: Context, opts: { allowBadText?: boolean; what?: string } = {}): Promise<unknown> {
  const type = c.req.header('content-type');
  if (type !== undefined && !JSON_MEDIA_TYPE.test(type.trim())) {
    throw new AppError(415, 'unsupported_media_type', 'the body must be application/json (UTF-8)', { content_type: type });
  }
  let text: string;
  try {
    text = utf8.decode(await bodyBytes(c));
  } catch {
    throw new AppError(400, 'invalid_json', 'the body is not valid UTF-8');
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_json', 'the body is not valid JSON', { parser: error instanceof Error ? error.message : String(error) });
  }
  // Decoded strictly from UTF-8, the text holds no unpaired surrogate, and JSON allows no raw control
  // character inside a string: a NUL or a lone surrogate can only come from a \u escape. Without one,
  // there is nothing to look for.
  if (!opts.allowBadText && text.includes('\\u')) assertStorableText(value, opts.what);
  return value;
}

/** Throws 422 naming the first string (value or key) that holds a NUL or an unpaired surrogate. */
export function assertStorableText(value: unknown, what = 'the request'): void {
  const problem = findUnstorableText(value);
  if (problem) throw new AppError(422, 'validation_failed', `${what} is not valid`, [problem]);
}

const NUL = '\u0000';

interface Node {
  value: unknown;
  key: string | null;
  parent: Node | null;
}

const pathOf = (node: Node): string => {
  const keys: string[] = [];
  for (let n: Node | null = node; n !== null; n = n.parent) if (n.key !== null) keys.push(n.key);
  return keys.reverse().join('.');
};

function findUnstorableText(root: unknown): { path: string; message: string } | null {
  // Iterative, with parent links: a body may nest arrays far deeper than the call stack allows.
  const stack: Node[] = [{ value: root, key: null, parent: null }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (typeof value === 'string') {
      if (value.includes(NUL)) return { path: pathOf(node), message: 'contains a NUL character' };
      if (!value.isWellFormed()) return { path: pathOf(node), message: 'contains an unpaired UTF-16 surrogate' };
    } else if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push({ value: value[i], key: String(i), parent: node });
    } else if (value !== null && typeof value === 'object') {
      for (const [key, child] of Object.entries(value).reverse()) {
        if (key.includes(NUL) || !key.isWellFormed()) return { path: pathOf(node), message: 'a key contains a NUL character or an unpaired surrogate' };
        stack.push({ value: child, key, parent: node });
      }
    }
  }
  return null;
}

export function parseOr422<S extends z.ZodType>(schema: S, value: unknown, what = 'the request'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError(422, 'validation_failed', `${what} is not valid`, zodDetails(parsed.error.issues));
  return parsed.data;
}

/**
 * Bun.serve's own body cap, set out of the way: every route that reads a body caps it with limitBody after its
 * token check, so an unauthenticated body is never read and an oversize one gets the JSON 413.
 */
export const UNLIMITED_BODY = Number.MAX_SAFE_INTEGER;
