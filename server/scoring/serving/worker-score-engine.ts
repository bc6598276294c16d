import type { ScoreEngine, ScoredChunk } from './score-engine.ts';

/*
 * The server's score engine: the same questions as the inline engine, answered by scoring-worker.ts on
 * its own thread. The worker starts on first use; if it dies, what was asked of it fails (rescoring is
 * derived work and is asked again later) and the next call starts a new one.
 */

export interface WorkerInit {
  /** The store database (already migrated by the main connection). */
  file: string;
  /** DATA_DIR/models (newer sets, hot swap) and the shipped set. */
  dataModelsDir: string;
  shippedDir: string;
  returnBlockDays: number;
  k: number;
  /** The worker connection's page cache, KiB. */
  cacheKiB: number;
}

export type WorkerRequest =
  | { id: number; op: 'init'; init: WorkerInit }
  | { id: number; op: 'reload' }
  | { id: number; op: 'score'; ids: readonly string[]; now: number }
  | { id: number; op: 'scoreAfter'; afterId: string; limit: number; now: number }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string } | { log: string };

type Op = WorkerRequest['op'];
type Args<O extends Op> = Omit<Extract<WorkerRequest, { op: O }>, 'id' | 'op'>;

export function createWorkerScoreEngine(init: WorkerInit, log: (line: string) => void): ScoreEngine {
  let worker: Worker | null = null;
  let nextId = 1;
  let served: string | null = null;
  const pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();

  const failAll = (message: string) => {
    for (const p of pending.values()) p.reject(new Error(message));
    pending.clear();
  };

  function post(w: Worker, request: WorkerRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      pending.set(request.id, { resolve, reject });
      w.postMessage(request);
    });
  }

  function started(): Worker {
    if (worker) return worker;
    const w = new Worker(new URL('./scoring-worker.ts', import.meta.url).href);
    w.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ('log' in reply) return log(reply.log);
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new Error(reply.error));
    };
    w.onerror = (event) => {
      log(`scoring worker failed: ${event.message}`);
      if (worker === w) worker = null;
      failAll(`scoring worker failed: ${event.message}`);
    };
    // Messages are handled in order, so init always precedes what follows it.
    void post(w, { id: nextId++, op: 'init', init }).catch(() => undefined);
    worker = w;
    return w;
  }

  function ask<O extends Op>(op: O, args: Args<O>): Promise<unknown> {
    return post(started(), { id: nextId++, op, ...args } as WorkerRequest);
  }

  const chunk = async (value: Promise<unknown>) => {
    const c = (await value) as ScoredChunk | null;
    served = c?.version ?? null;
    return c;
  };

  return {
    async reload() {
      served = (await ask('reload', {})) as string | null;
      return served;
    },
    version: () => served,
    // Nothing is served before a reload has loaded a set: no thread is started just to say so.
    score: (ids, now) => (served === null ? Promise.resolve(null) : chunk(ask('score', { ids, now }))),
    scoreAfter: (afterId, limit, now) => (served === null ? Promise.resolve(null) : chunk(ask('scoreAfter', { afterId, limit, now }))),
    async close() {
      const w = worker;
      if (!w) return;
      await post(w, { id: nextId++, op: 'close' }).catch(() => undefined);
      worker = null;
      await w.terminate();
      served = null;
    },
  };
}
