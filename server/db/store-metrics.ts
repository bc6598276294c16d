import type { Database } from 'bun:sqlite';

/** Store-wide derived figures (JSON values) that the daily sweep computes and requests read. */
export function setMetric(sqlite: Database, key: string, value: unknown, now: number): void {
  setMetricJson(sqlite, key, JSON.stringify(value), now);
}

/** The same with the value already serialized (a large value the caller also hashes). */
export function setMetricJson(sqlite: Database, key: string, json: string, now: number): void {
  sqlite
    .query('INSERT INTO store_metrics (key, value, computed_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, computed_at = excluded.computed_at')
    .run(key, json, now);
}

export function getMetric<T>(sqlite: Database, key: string): T | null {
  const row = sqlite.query<{ value: string }, [string]>('SELECT value FROM store_metrics WHERE key = ?').get(key);
  return row ? (JSON.parse(row.value) as T) : null;
}
