import { describe, expect, it } from 'vitest';
import { ClockSkewError, compareHlc, decodeHlc, encodeHlc, receive, tick, zeroHlc } from './hlc.ts';

const MINUTE = 60_000;

describe('hybrid logical clock', () => {
  it('follows physical time and orders events within one millisecond', () => {
    const a = tick(zeroHlc('S001'), 1000);
    const b = tick(a, 1000);
    const c = tick(b, 999); // the OS clock stepped back: the timestamp does not
    const d = tick(c, 2000);
    expect([a, b, c, d].map((t) => [t.wall, t.counter])).toEqual([[1000, 0], [1000, 1], [1000, 2], [2000, 0]]);
    for (let i = 1; i < 4; i++) expect(compareHlc([a, b, c, d][i - 1]!, [a, b, c, d][i]!)).toBeLessThan(0);
  });

  it('orders a node after everything it has received, even from a clock ahead of its own', () => {
    const remote = tick(zeroHlc('S002'), 5000);
    const local = receive(tick(zeroHlc('S001'), 1000), remote, 1200, 5 * MINUTE);
    expect(compareHlc(remote, local)).toBeLessThan(0);
    expect(local).toEqual({ wall: 5000, counter: 1, node: 'S001' });
    expect(compareHlc(local, tick(local, 1300))).toBeLessThan(0);
  });

  it('refuses a remote clock beyond the drift bound instead of following it', () => {
    const skewed = tick(zeroHlc('S003'), 10 * MINUTE);
    expect(() => receive(zeroHlc('S001'), skewed, 0, 5 * MINUTE)).toThrow(ClockSkewError);
    expect(receive(zeroHlc('S001'), skewed, 6 * MINUTE, 5 * MINUTE).wall).toBe(10 * MINUTE);
  });

  it('encodes to strings whose order is the clock order, and back', () => {
    const stamps = [
      { wall: 999, counter: 17, node: 'S009' },
      { wall: 1000, counter: 0, node: 'S001' },
      { wall: 1000, counter: 2, node: 'S001' },
      { wall: 1000, counter: 2, node: 'S002' },
      { wall: 1_790_000_000_000, counter: 0xffff, node: 'central' },
    ];
    const encoded = stamps.map(encodeHlc);
    expect([...encoded].sort()).toEqual(encoded);
    expect(encoded.map(decodeHlc)).toEqual(stamps);
    expect(() => decodeHlc('12-0-S1')).toThrow(SyntaxError);
  });
});
