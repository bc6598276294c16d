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
