import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync, zstdDecompressSync } from 'node:zlib';
import { SYNC_PATHS } from '../../sync/paths.ts';

/*
 * The test's own HTTP proxy on 127.0.0.1 between stores and central. Each request goes to `script`, which says
 * what happens to it; the body and headers pass through unchanged. node:http rather than Bun.serve because a
 * fault must be able to close the connection without any answer (socket.destroy), which the store sees as
 * central vanishing mid-exchange.
 */

export type Fault =
  | 'pass'
  /** Close the connection without forwarding or answering. */
  | 'reset'
  /** Answer 502 without forwarding. */
  | 'bad-gateway'
  /** Forward (central applies it), then close the connection without answering: the store does not know. */
  | 'lose-answer'
  /** Forward twice, one after the other, and answer the second. */
  | 'duplicate'
  | { delayMs: number }
  /** Forward only once `until` settles (a later request may go first meanwhile). */
  | { hold: Promise<void> };

export interface ProxiedRequest {
  /** 1, 2, … in arrival order. */
  n: number;
  method: string;
  /** Path and query. */
  path: string;
  /** From the `ss_<store>_…` credential. */
  storeId: string | null;
  headers: Record<string, string>;
  body: Uint8Array<ArrayBuffer>;
}

export interface ProxyLogEntry {
  n: number;
  method: string;
  path: string;
  storeId: string | null;
  fault: string;
  /** Central's status for the (last) forwarded copy; null when nothing reached central or it did not answer. */
  centralStatus: number | null;
  /** Whether the store got an answer. */
  answered: boolean;
  /** Whether the proxy is done with the request (answered it or closed the connection). */
  settled: boolean;
  /** Changes in a push (0 for anything else). */
  changes: number;
}

export interface FaultProxy {
  url: string;
  /** Central's base URL; may change (central restarted on another port). */
  target: string;
  script: (req: ProxiedRequest) => Fault;
  readonly log: ProxyLogEntry[];
  /** Every push as it arrived, to replay later. */
  readonly pushes: ProxiedRequest[];
  /** Sends a captured request to central directly (no faults): its status and JSON body. */
  replay(req: ProxiedRequest): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

/** Headers that describe one hop's connection, not the message. */
const HOP = new Set(['host', 'connection', 'content-length', 'transfer-encoding', 'keep-alive']);
/** No forwarded request waits longer than this for central. */
const FORWARD_TIMEOUT_MS = 60_000;

function readBody(req: IncomingMessage): Promise<Uint8Array<ArrayBuffer>> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => resolve(new Uint8Array(Buffer.concat(parts))));
    req.on('error', reject);
  });
}

/** A push's JSON text, from its zstd- or gzip-compressed body (gzip told by its magic bytes). */
export function pushText(req: ProxiedRequest): string {
  const gzip = req.body[0] === 0x1f && req.body[1] === 0x8b;
  return (gzip ? gunzipSync(req.body) : zstdDecompressSync(req.body)).toString('utf8');
}

/** How many changes a push carries; 0 for other requests. */
function pushSize(req: ProxiedRequest): number {
  if (req.method !== 'POST' || !req.path.startsWith(SYNC_PATHS.push)) return 0;
  try {
    return (JSON.parse(pushText(req)) as { changes?: unknown[] }).changes?.length ?? 0;
  } catch {
    return 0;
  }
}

const describe = (f: Fault) => (typeof f === 'string' ? f : 'delayMs' in f ? `delay ${f.delayMs} ms` : 'hold');

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  let n = 0;
  const log: ProxyLogEntry[] = [];
  const pushes: ProxiedRequest[] = [];

  const forward = async (req: ProxiedRequest): Promise<{ status: number; headers: Headers; body: Uint8Array } | null> => {
    try {
      const res = await fetch(new URL(req.path, proxy.target), {
        method: req.method,
        headers: req.headers,
        body: req.method === 'GET' ? undefined : req.body,
        signal: AbortSignal.timeout(FORWARD_TIMEOUT_MS),
      });
      return { status: res.status, headers: res.headers, body: new Uint8Array(await res.arrayBuffer()) };
    } catch {
      return null; // central is down or died while answering
    }
  };

  const handle = async (incoming: IncomingMessage, out: ServerResponse) => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(incoming.headers)) if (!HOP.has(k) && typeof v === 'string') headers[k] = v;
    const req: ProxiedRequest = {
      n: ++n,
      method: incoming.method ?? 'GET',
      path: incoming.url ?? '/',
      storeId: /^Bearer ss_([A-Za-z0-9-]+?)_/.exec(headers.authorization ?? '')?.[1] ?? null,
      headers,
      body: await readBody(incoming),
    };
    if (req.method === 'POST' && req.path.startsWith(SYNC_PATHS.push)) pushes.push(req);
    const fault = proxy.script(req);
    const entry: ProxyLogEntry = { n: req.n, method: req.method, path: req.path, storeId: req.storeId, fault: describe(fault), centralStatus: null, answered: false, settled: false, changes: pushSize(req) };
    log.push(entry);
    try {
      await respond(req, fault, entry, incoming, out);
    } finally {
      entry.settled = true;
    }
  };

  const respond = async (req: ProxiedRequest, fault: Fault, entry: ProxyLogEntry, incoming: IncomingMessage, out: ServerResponse) => {
    if (fault === 'reset') return void incoming.socket.destroy();
    if (fault === 'bad-gateway') {
      entry.answered = true;
      return void out.writeHead(502, { 'content-type': 'text/plain' }).end('proxy: bad gateway');
    }
    if (typeof fault === 'object' && 'delayMs' in fault) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (typeof fault === 'object' && 'hold' in fault) await fault.hold;
    if (fault === 'duplicate') entry.centralStatus = (await forward(req))?.status ?? null;
    const answer = await forward(req);
    entry.centralStatus = answer?.status ?? null;
    if (answer === null || fault === 'lose-answer') return void incoming.socket.destroy();
    const back: Record<string, string> = {};
    // fetch has already inflated an encoded answer.
    answer.headers.forEach((v, k) => !HOP.has(k) && k !== 'content-encoding' && (back[k] = v));
    out.writeHead(answer.status, back).end(answer.body);
    entry.answered = true;
  };

  const server = createServer((incoming, out) => {
    handle(incoming, out).catch(() => incoming.socket.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const proxy: FaultProxy = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    target,
    script: () => 'pass',
    log,
    pushes,
    async replay(req) {
      const answer = await forward(req);
      if (!answer) throw new Error(`replay of request ${req.n}: central did not answer`);
      return { status: answer.status, body: JSON.parse(new TextDecoder().decode(answer.body)) as unknown };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return proxy;
}
