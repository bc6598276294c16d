import { Database } from 'bun:sqlite';
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { candidateModelDirs, createModelRegistry } from './model-registry.ts';
import { createInlineScoreEngine, type ScoreEngine } from './score-engine.ts';
import type { WorkerInit, WorkerReply, WorkerRequest } from './worker-score-engine.ts';
import type { LogFields, Logger, LogLevel } from '../../kernel/log.ts';

/** This thread's log lines go to the main thread, whose logger writes them (with its level and format). */
const sendLog = (level: LogLevel) => (event: string, fields: LogFields = {}) => self.postMessage({ log: { level, event, fields } } satisfies WorkerReply);
const workerLogger: Logger = { debug: sendLog('debug'), info: sendLog('info'), warn: sendLog('warn'), error: sendLog('error') };

/*
 * The scoring thread: its own read-only connection to the store database and its own ONNX sessions.
 * Reading a customer's history, computing features and running the models takes a few hundred µs per
 * customer; here it never holds the event loop that answers POS terminals and associates. It writes
 * nothing: the rows go back to the main thread, which stores them through the write queue (the store
 * keeps a single writer).
 */
declare const self: Worker;

let engine: ScoreEngine | null = null;
let sqlite: Database | null = null;
let initError: string | null = null;

/**
 * This thread runs at a lower CPU priority (nice 10) than the event loop: on a 2-core box with a load
 * on, the kernel then gives the cores to the POS first and scoring the rest. Linux names a thread by its
 * id, found through /proc/thread-self; elsewhere the thread keeps the normal priority.
 */
function lowerPriority(): void {
  try {
    setPriority(Number(readlinkSync('/proc/thread-self').split('/').pop()), 10);
  } catch {
    // Not Linux, or not allowed: normal priority.
  }
}

function start(init: WorkerInit): ScoreEngine {
  lowerPriority();
  sqlite = new Database(init.file, { strict: true });
  sqlite.exec('PRAGMA busy_timeout = 5000');
  sqlite.exec('PRAGMA query_only = 1');
  sqlite.exec(`PRAGMA cache_size = -${init.cacheKiB}`);
  const models = createModelRegistry({
    candidates: () => candidateModelDirs(init.dataModelsDir, init.shippedDir),
    log: workerLogger,
  });
  return createInlineScoreEngine({ sqlite, models, returnBlockDays: init.returnBlockDays, k: init.k });
}

async function handle(request: WorkerRequest): Promise<unknown> {
  if (request.op === 'init') {
    try {
      engine = start(request.init);
    } catch (error) {
      initError = error instanceof Error ? error.message : String(error);
      throw error;
    }
    return null;
  }
  if (!engine) throw new Error(`the scoring thread could not start: ${initError ?? 'not initialised'}`);
  switch (request.op) {
    case 'reload':
      return engine.reload();
    case 'score':
      return engine.score(request.ids, request.now);
    case 'scoreRange':
      return engine.scoreRange(request.afterId, request.throughId, request.now);
    case 'close':
      // A chunk still in ONNX (its run finishes on onnxruntime's side) must not find its session and this
      // thread gone: the main thread terminates the worker once this answers, and a native callback into a
      // terminated thread aborts the whole process.
      await Promise.allSettled([...inFlight]);
      await engine.close();
      sqlite?.close();
      engine = null;
      return null;
  }
}

/** Requests being handled (they interleave: each awaits its ONNX runs). */
const inFlight = new Set<Promise<unknown>>();

self.onmessage = (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  const work = handle(request);
  if (request.op !== 'close') {
    inFlight.add(work);
    const done = () => inFlight.delete(work);
    work.then(done, done);
  }
  work.then(
    (value) => self.postMessage({ id: request.id, ok: true, value } satisfies WorkerReply),
    (error: unknown) => self.postMessage({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) } satisfies WorkerReply),
  );
};
