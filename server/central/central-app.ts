import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { Hono } from 'hono';
import * as z from 'zod';
import { createMiddleware } from 'hono/factory';
import { MAX_PUSH_INFLATED_BYTES, SYNC_PATHS } from '../../sync/paths.ts';
import { pushBatchSchema } from '../../sync/protocol.ts';
import { bodyBytes, limitBody, parseOr422 } from '../http/request-body.ts';
import type { Config } from '../kernel/config.ts';
import { AppError, errorResponseBody } from '../kernel/errors.ts';
import { errorFields, type Logger } from '../kernel/log.ts';
import { requestLog } from '../http/request-log.ts';
import { applyStorePush } from './apply-store-push.ts';
import { PushTimings } from './push-timings.ts';
import type { CentralStorage } from './central-db.ts';
import { storeForCredential } from './store-registry.ts';
import { pullForStore } from './store-pull.ts';
import { modelFileInfo, readModelFileChunk } from './model-versions.ts';
import { hqRoutes } from './hq-routes.ts';

const pullQuerySchema = z.strictObject({
  after: z.coerce.number().int().nonnegative().default(0),
  limit: z.coerce.number().int().min(1).max(10_000).default(2000),
});

/** Bytes of a model file read from the database per step of a download. */
const MODEL_CHUNK_BYTES = 1024 * 1024;

type CentralEnv = { Variables: { storeId: string } };

export interface CentralDeps {
  config: Config;
  storage: CentralStorage;
  clock: () => number;
  log: Logger;
}

/** The store's sync credential, checked before a byte of the body is read. */
function requireStore(deps: CentralDeps) {
  return createMiddleware<CentralEnv>(async (c, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match) throw new AppError(401, 'unauthorized', 'a store sync credential is required');
    const storeId = await storeForCredential(deps.storage.db, match[1]!);
    if (!storeId) throw new AppError(401, 'unauthorized', 'unknown or revoked store credential');
    c.set('storeId', storeId);
    await next();
  });
}

/** A push body as text: zstd (what stores send), gzip (stores before zstd) or plain, never past the inflated limit. */
function inflate(body: Uint8Array, encoding: string | undefined): string {
  if (!encoding || encoding === 'identity') return new TextDecoder().decode(body);
  if (encoding !== 'gzip' && encoding !== 'zstd') {
    throw new AppError(415, 'unsupported_media_type', `content-encoding ${encoding} is not accepted (zstd, gzip or none)`, { content_type: encoding });
  }
  try {
    const opts = { maxOutputLength: MAX_PUSH_INFLATED_BYTES };
    return (encoding === 'zstd' ? zstdDecompressSync(body, opts) : gunzipSync(body, opts)).toString('utf8');
  } catch (error) {
    if (error instanceof RangeError) throw new AppError(413, 'payload_too_large', 'the push inflates past the limit', { max_bytes: MAX_PUSH_INFLATED_BYTES });
    throw new AppError(400, 'bad_request', `the body is not valid ${encoding}`);
  }
}

/** Central's HTTP app: the stores' sync endpoint, and headquarters' API under /api/hq/v1. */
export function createCentralApp(deps: CentralDeps) {
  const app = new Hono<CentralEnv>();
  app.onError((err, c) => {
    if (err instanceof AppError) return c.json(errorResponseBody(err.code, err.message, err.details), err.status);
    // An unexpected error's message may quote the request (a pushed identifier): logged by class and code.
    deps.log.error('http.unhandled_error', errorFields(err, { message: false }));
    return c.json(errorResponseBody('internal', 'unexpected error'), 500);
  });
  app.notFound((c) => c.json(errorResponseBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  app.use('*', requestLog(deps.log));
  app.get('/health', (c) => c.json({ status: 'ok', role: 'central', engine: deps.storage.engine, time: new Date(deps.clock()).toISOString() }));

  app.post(SYNC_PATHS.push, requireStore(deps), limitBody(deps.config.MAX_BATCH_BODY_BYTES), async (c) => {
    const timings = new PushTimings();
    let json: unknown;
    try {
      const body = await timings.time('read', () => bodyBytes(c));
      const text = timings.timeSync('inflate', () => inflate(body, c.req.header('content-encoding')));
      json = timings.timeSync('json', () => JSON.parse(text));
    } catch (error) {
      if (error instanceof AppError) throw error;
      throw new AppError(400, 'invalid_json', 'the push is not valid JSON');
    }
    const batch = timings.timeSync('validate', () => parseOr422(pushBatchSchema, json, 'the push'));
    if (batch.store_id !== c.get('storeId')) throw new AppError(403, 'forbidden', `this credential pushes for store ${c.get('storeId')}`, { allowed: [c.get('storeId')] });
    const outcome = await timings.time('apply', () => applyStorePush(deps.storage.db, batch, deps.clock(), deps.config.SYNC_MAX_CLOCK_SKEW_S * 1000, timings));
    if (outcome.status === 'gap') throw new AppError(409, 'sync_gap', `central has changes up to ${outcome.cursor}; send from there`, { cursor: outcome.cursor });
    c.header('server-timing', timings.header());
    return c.json({ cursor: outcome.cursor, applied: outcome.applied, clock_skew_ms: outcome.clockSkewMs });
  });
  app.get(SYNC_PATHS.pull, requireStore(deps), async (c) => {
    const q = parseOr422(pullQuerySchema, c.req.query(), 'the query');
    return c.json(await pullForStore(deps.storage.db, c.get('storeId'), q.after, q.limit));
  });
  app.get(`${SYNC_PATHS.models}/:version/:file`, requireStore(deps), async (c) => {
    const { version, file } = c.req.param();
    const info = await modelFileInfo(deps.storage.db, version, file);
    if (!info) throw new AppError(404, 'not_found', `no file ${file} in model version ${version}`);
    let offset = 0;
    // Chunk by chunk from the database as the store reads: a download holds one chunk in memory, not the file.
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        if (offset >= info.bytes) return controller.close();
        const chunk = await readModelFileChunk(deps.storage.db, version, file, offset, MODEL_CHUNK_BYTES);
        if (chunk.byteLength === 0) return controller.error(new Error(`model file ${version}/${file} ended at ${offset} of ${info.bytes} bytes`));
        offset += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return new Response(body, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(info.bytes), 'x-content-sha256': info.sha256 } });
  });
  app.route('/api/hq/v1', hqRoutes(deps));
  return app;
}
