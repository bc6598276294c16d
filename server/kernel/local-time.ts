/**
 * UTC offset in minutes of an IANA zone at an instant (+480 for Asia/Shanghai), via Intl: the zone's wall
 * clock read as if it were UTC, minus the instant.
 */
export function zoneOffsetMinutes(timeZone: string, atMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(atMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return Math.round((wall - Math.floor(atMs / 1000) * 1000) / 60_000);
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Store-local calendar date and minute of day at `now`. */
export function localTime(timeZone: string, now: number): { date: string; minuteOfDay: number } {
  const local = new Date(now + zoneOffsetMinutes(timeZone, now) * 60_000);
  return { date: local.toISOString().slice(0, 10), minuteOfDay: local.getUTCHours() * 60 + local.getUTCMinutes() };
}

/** The store-local month `YYYY-MM` of an instant (ms) at a UTC offset in minutes. */
export function monthAtOffset(offsetMinutes: number, atMs: number): string {
  return new Date(atMs + offsetMinutes * 60_000).toISOString().slice(0, 7);
}

/** The store-local month `YYYY-MM` of an instant (ms) in an IANA zone, at the zone's offset at that instant. */
export function localMonth(timeZone: string, atMs: number): string {
  return monthAtOffset(zoneOffsetMinutes(timeZone, atMs), atMs);
}

/**
 * monthAtOffset as a SQL expression, for queries that must compute the month per row: `atMs` and
 * `offsetMinutes` are SQL operands (a column or a parameter), in ms and minutes.
 */
export function monthAtOffsetSql(atMs: string, offsetMinutes: string): string {
  return `strftime('%Y-%m', (${atMs} + ${offsetMinutes} * 60000) / 1000, 'unixepoch')`;
}
