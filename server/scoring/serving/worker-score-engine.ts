import type { ScoreEngine, ScoredChunk } from './score-engine.ts';
import { maskPersonalText, type LogFields, type Logger, type LogLevel } from '../../kernel/log.ts';

/** A log line a scoring thread sends to the main thread's logger (a worker has no logger of its own). */
export interface WorkerLogLine {
  level: LogLevel;
  event: string;
  fields: LogFields;
}

/*
 * The server's score engine: the same questions as the inline engine, answered by scoring-worker.ts on
 * threads of its own. Thread 0 answers everything and starts on first use; full rescoring spreads its
 * ranges over up to `threads` of them (each with its own connection and ONNX sessions), the others starting
 * when the first range reaches them. If a thread dies, what was asked of it fails (rescoring is derived
 * work and is asked again later) and the next call starts a new one.
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
  | { id: number; op: 'scoreRange'; afterId: string; throughId: string; now: number }
  | { id: number; op: 'close' };

export type WorkerReply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string } | { log: WorkerLogLine };

type Op = WorkerRequest['op'];
type Args<O extends Op> = Omit<Extract<WorkerRequest, { op: O }>, 'id' | 'op'>;

interface Thread {
  worker: Worker;
  pending: Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>;
  /** Its model set loaded (threads other than 0 load theirs when they start). */
  ready: Promise<unknown>;
}

export function createWorkerScoreEngine(init: WorkerInit, log: Logger, threads = 1): ScoreEngine {
  const pool: Array<Thread | null> = Array.from({ length: Math.max(1, threads) }, () => null);
  let nextId = 1;
  let nextRange = 0;
  let served: string | null = null;

  function post(t: Thread, request: WorkerRequest): Promise<unknown> {
    return new Promise((resolve, reject) => {
      t.pending.set(request.id, { resolve, reject });
      t.worker.postMessage(request);
    });
  }

  function started(i: number): Thread {
    const existing = pool[i];
    if (existing) return existing;
    const worker = new Worker(new URL('./scoring-worker.ts', import.meta.url).href);
    const t: Thread = { worker, pending: new Map(), ready: Promise.resolve() };
    worker.onmessage = (event: MessageEvent<WorkerReply>) => {
      const reply = event.data;
      if ('log' in reply) return log[reply.log.level](reply.log.event, { ...reply.log.fields, scoring_thread: i });
      const p = t.pending.get(reply.id);
      if (!p) return;
      t.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.value);
      else p.reject(new Error(reply.error));
    };
    worker.onerror = (event) => {
      log.error('scoring.worker_failed', { scoring_thread: i, error_message: maskPersonalText(event.message) });
      if (pool[i] === t) pool[i] = null;
      for (const p of t.pending.values()) p.reject(new Error(`scoring worker failed: ${event.message}`));
      t.pending.clear();
    };
    // Messages are handled in order, so init always precedes what follows it.
    void post(t, { id: nextId++, op: 'init', init }).catch(() => undefined);
    // Thread 0 loads when reload() asks; the others as they start, before their first range.
    if (i > 0) t.ready = post(t, { id: nextId++, op: 'reload' });
    pool[i] = t;
    return t;
  }

  function ask<O extends Op>(i: number, op: O, args: Args<O>): Promise<unknown> {
    const t = started(i);
    const send = () => (pool[i] === t ? post(t, { id: nextId++, op, ...args } as WorkerRequest) : Promise.reject(new Error('the scoring engine is closed')));
    // Thread 0 is asked at once (its messages keep their order); the others once their models are loaded.
    return i === 0 ? send() : t.ready.then(send);
  }

  /** Thread 0's answers say what is served (a swap there is the store's swap); the others' are just rows. */
  const chunk = async (value: Promise<unknown>, thread: number) => {
    const c = (await value) as ScoredChunk | null;
    if (thread === 0) served = c?.version ?? null;
    return c;
  };

  return {
    async reload() {
      // The other running threads follow thread 0's swap; a thread that is not running loads when it starts.
      const others = pool.flatMap((t, i) => (t && i > 0 ? [ask(i, 'reload', {})] : []));
      served = (await ask(0, 'reload', {})) as string | null;
      await Promise.allSettled(others);
      return served;
    },
    version: () => served,
    // Nothing is served before a reload has loaded a set: no thread is started just to say so.
    score: (ids, now) => (served === null ? Promise.resolve(null) : chunk(ask(0, 'score', { ids, now }), 0)),
    scoreRange: (afterId, throughId, now) => {
      if (served === null) return Promise.resolve(null);
      const i = nextRange++ % pool.length;
      return chunk(ask(i, 'scoreRange', { afterId, throughId, now }), i);
    },
    parallelism: () => pool.length,
    async close() {
      const running = pool.flatMap((t) => (t ? [t] : []));
      pool.fill(null);
      served = null;
      await Promise.all(
        running.map(async (t) => {
          await post(t, { id: nextId++, op: 'close' }).catch(() => undefined);
          await t.worker.terminate();
          for (const p of t.pending.values()) p.reject(new Error('the scoring engine is closed'));
          t.pending.clear();
        }),
      );
    },
  };
}
