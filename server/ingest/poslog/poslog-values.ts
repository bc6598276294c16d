import { zoneOffsetMinutes } from '../../kernel/local-time.ts';

/*
 * Value parsing for POSLog text: decimals to scaled integers without going through binary floating point
 * (1.005 must become 101 cents, not 100), and timestamps that may or may not carry an offset.
 */

const DECIMAL = /^([+-])?(\d*)(?:\.(\d*))?$/;

/**
 * "26.990" with 2 digits → 2699; "-1.0000" with 3 → -1000. Extra digits round half away from zero.
 * Null for anything that is not a plain decimal number (or is empty).
 */
export function toScaled(text: string | null | undefined, digits: number): number | null {
  if (text === null || text === undefined) return null;
  const m = DECIMAL.exec(text.trim().replace(/,/g, '.'));
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) return null;
  const whole = m[2] === '' ? '0' : m[2]!;
  const frac = (m[3] ?? '').padEnd(digits + 1, '0');
  let value = Number(whole) * 10 ** digits + Number(frac.slice(0, digits) || '0');
  if (Number(frac[digits]) >= 5) value += 1;
  if (!Number.isSafeInteger(value)) return null;
  return m[1] === '-' && value !== 0 ? -value : value;
}

/** Minor units of the store currency (signed). */
export const toMinor = (text: string | null | undefined, minorDigits: number) => toScaled(text, minorDigits);
/** Thousandths (signed): quantities. */
export const toMilli = (text: string | null | undefined) => toScaled(text, 3);

const STAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

export interface PosLogTime {
  /** UTC epoch milliseconds. */
  at: number;
  /** Minutes east of UTC of the store's local time at that instant. */
  utcOffsetMin: number;
}

/**
 * An xs:dateTime (or xs:date) of the POS. With an explicit offset that offset is the local one. "Z" fixes
 * the instant but says nothing of the store's wall clock, so the offset is the store zone's at that instant.
 * Without any offset the time is the store's wall-clock time (`timeZone`, an IANA zone).
 */
export function parsePosLogTime(text: string | null | undefined, timeZone: string): PosLogTime | null {
  if (!text) return null;
  const m = STAMP.exec(text.trim());
  if (!m) return null;
  const [year, month, day, hour, minute, second] = [m[1], m[2], m[3], m[4], m[5], m[6]].map((v) => Number(v ?? 0)) as [number, number, number, number, number, number];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const wall = Date.UTC(year, month - 1, day, hour, minute, second, ms);
  const check = new Date(wall);
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59) return null;
  const zone = m[8];
  if (zone === undefined) {
    // Wall time → instant: the offset at a first guess, then at the corrected instant (DST edges).
    const guess = wall - zoneOffsetMinutes(timeZone, wall) * 60_000;
    const offset = zoneOffsetMinutes(timeZone, guess);
    return { at: wall - offset * 60_000, utcOffsetMin: offset };
  }
  if (zone.toUpperCase() === 'Z') return { at: wall, utcOffsetMin: zoneOffsetMinutes(timeZone, wall) };
  const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
  const offset = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  return { at: wall - offset * 60_000, utcOffsetMin: offset };
}
