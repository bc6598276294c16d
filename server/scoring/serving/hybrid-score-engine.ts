import type { ScoreEngine } from './score-engine.ts';

/*
 * The server's engine. A request for one customer (the rescoring after a sale in a store that is not in a
 * rush) is scored on the event loop: its scoring takes less of the event loop's time than the two hand-offs
 * between threads add on an idle VM, where a thread woken on an idle vCPU answers late (bench/RESULTS.md,
 * bench:scoring). Anything bigger (a rescore batch under load, full
 * rescoring) goes to the scoring threads, so the POS never waits behind more than one customer's scoring.
 * The rescore queue collects the customers of 25 ms: batches of one happen only while sales arrive less
 * often than that, and then cost the event loop at most a few percent.
 */

/** Customers per request scored on the calling thread; more go to the scoring threads. */
const INLINE_MAX = 1;

/**
 * `inline` scores on the event loop's own (writing) connection, `threads` on the scoring threads. Both load
 * the same candidates; a customer is scored inline only while both serve the same version, so the version a
 * score records is the store's.
 */
export function createHybridScoreEngine(inline: ScoreEngine, threads: ScoreEngine): ScoreEngine {
  const inlineServes = () => inline.version() !== null && inline.version() === threads.version();
  return {
    async reload() {
      // The threads look for a newer set (each look hashes the candidates' files); the event loop loads one
      // only when theirs has changed. (The store's item context is not part of a set: each connection loads
      // it when a newer one is stored, store-item-stats.ts.)
      const served = await threads.reload();
      if (served !== inline.version()) await inline.reload();
      return served;
    },
    version: () => threads.version(),
    score: (ids, now) => (ids.length <= INLINE_MAX && inlineServes() ? inline.score(ids, now) : threads.score(ids, now)),
    scoreRange: (afterId, throughId, now) => threads.scoreRange(afterId, throughId, now),
    parallelism: () => threads.parallelism(),
    async close() {
      await Promise.all([threads.close(), inline.close()]);
    },
  };
}
