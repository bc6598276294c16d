/*
 * Hybrid logical clocks (Kulkarni et al., "Logical Physical Clocks", 2014) for last-writer-wins profile fields
 * across stores. A timestamp is the largest wall time (epoch ms) seen so far, a counter that orders events
 * within that millisecond, and the node (store id) that breaks exact ties. Timestamps stay close to real time,
 * never go backwards on a node, and a node that has seen another's timestamp orders after it.
 */

export interface Hlc {
  /** Epoch ms: the largest physical time this clock has seen. */
  wall: number;
  /** Orders events that share `wall`. */
  counter: number;
  /** The node (store id, or "central") that made the timestamp. */
  node: string;
}

/** Past this counter a clock is being driven by a runaway remote; refuse rather than overflow the encoding. */
const MAX_COUNTER = 0xffff;

export class ClockSkewError extends Error {
  constructor(
    readonly remoteWall: number,
    readonly localWall: number,
    readonly maxDriftMs: number,
  ) {
    super(`a timestamp ${remoteWall - localWall} ms ahead of this clock (the bound is ${maxDriftMs} ms)`);
  }
}

export function zeroHlc(node: string): Hlc {
  return { wall: 0, counter: 0, node };
}

/** The timestamp of a local event (a write) at physical time `now`. */
export function tick(clock: Hlc, now: number): Hlc {
  const wall = Math.max(clock.wall, now);
  const counter = wall === clock.wall ? clock.counter + 1 : 0;
  if (counter > MAX_COUNTER) throw new RangeError('hybrid clock counter overflow');
  return { wall, counter, node: clock.node };
}

/**
 * The clock after receiving `remote` at physical time `now`. A remote wall more than `maxDriftMs` ahead of
 * `now` is a skewed clock: it throws instead of dragging this clock into the future.
 */
export function receive(clock: Hlc, remote: Hlc, now: number, maxDriftMs: number): Hlc {
  if (remote.wall - now > maxDriftMs) throw new ClockSkewError(remote.wall, now, maxDriftMs);
  const wall = Math.max(clock.wall, remote.wall, now);
  let counter: number;
  if (wall === clock.wall && wall === remote.wall) counter = Math.max(clock.counter, remote.counter) + 1;
  else if (wall === clock.wall) counter = clock.counter + 1;
  else if (wall === remote.wall) counter = remote.counter + 1;
  else counter = 0;
  if (counter > MAX_COUNTER) throw new RangeError('hybrid clock counter overflow');
  return { wall, counter, node: clock.node };
}

/** Total order: wall, then counter, then node. */
export function compareHlc(a: Hlc, b: Hlc): number {
  return a.wall - b.wall || a.counter - b.counter || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
}

const WALL_DIGITS = 15;
const COUNTER_DIGITS = 4;

/** A string whose byte order is the clock order (fixed-width wall and counter), for storage and the wire. */
export function encodeHlc(t: Hlc): string {
  return `${String(t.wall).padStart(WALL_DIGITS, '0')}-${t.counter.toString(16).padStart(COUNTER_DIGITS, '0')}-${t.node}`;
}

const ENCODED = /^(\d{15})-([0-9a-f]{4})-(.+)$/;

/** Whether `s` is an encoded timestamp (what decodeHlc reads): a store's data is checked before it is trusted. */
export function isEncodedHlc(s: unknown): s is string {
  return typeof s === 'string' && ENCODED.test(s);
}

export function decodeHlc(s: string): Hlc {
  const m = ENCODED.exec(s);
  if (!m) throw new SyntaxError(`not a hybrid clock timestamp: ${JSON.stringify(s)}`);
  return { wall: Number(m[1]), counter: Number.parseInt(m[2]!, 16), node: m[3]! };
}
