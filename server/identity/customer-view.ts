import type { Database } from 'bun:sqlite';
import { appendCustomerEvent, tombstoneEvents } from '../db/fact-writer.ts';
import { applySuggestionEvent } from './merge-suggestion-view.ts';
import { isMergedField, PROFILE_COLUMNS, type ProfileValues } from './profile-columns.ts';
import { applyUnmerge } from './unmerge-view.ts';

/*
 * The customer view (`customers`, `identity_links`, `merge_suggestions`) is derived from customer events: each write records its
 * event and applies it here, and `cli rebuild` clears the view and applies every event again in change-log
 * order — one function for both, so the two cannot disagree. Event data (JSON):
 *   created            {origin, store_id}
 *   identifier_linked  {kind, value}          identifier_unlinked {kind, value}
 *   registered         {values: {name, birthday, gender, consent_*}, hlc, identifiers: [kind], by, client_id}
 *   profile_updated    {fields: [column], values: {column: value}, hlc, identifiers: [kind], by, client_id}
 *                      (hlc: the store clock's timestamp of the write, when it sets a field; events before it have none)
 *   profile_filled     {values: {name?, birthday?}}   (a POS source filling gaps; never overwrites)
 *   profile_synced     {global_id, values: {column: value}, hlcs: {column: hlc}}   (fields another store wrote
 *                      later than this one, taken from central; see profile-sync.ts)
 *   merged             {merged_id, reason, fields_taken: [column], suggestion_id?}   (recorded on the survivor)
 *   unmerged           {from_id, customer_ids: [id], fields_returned: [column], by}   (recorded on the customer that
 *                      comes back: customer_ids are it and the aliases merged into it before; the survivor `from_id`
 *                      gives back the identifiers linked for them and drops the fields it had taken from them)
 *   merge_suggested    {suggestion_id, other_id, kinds: [kind], tx_id}   (on the sale's customer; see merge-suggestions.ts)
 *   merge_suggestion_decided {suggestion_id, decision: approved|rejected, by}
 *   erased             {}                     profile_snapshot {…every column} (migration 0012)
 *   action_outcome     {action_id, type, outcome, survey_answer, note}   (no effect on this view)
 */

export { PROFILE_COLUMNS, type ProfileColumn, type ProfileValues } from './profile-columns.ts';

/** Keys whose values are personal: an erasure turns them into null in every event of the customer. */
const PERSONAL_KEYS = new Set<string>([...PROFILE_COLUMNS, 'value', 'survey_answer', 'note', 'consent']);

interface ViewEvent {
  /** The customer the event was recorded for. */
  customerId: string;
  kind: string;
  at: number;
  data: Record<string, unknown>;
}

/** Records a customer event (a fact, with its change-log number) and applies it to the customer view. */
export function recordCustomerEvent(sqlite: Database, customerId: string, kind: string, at: number, data: Record<string, unknown>): void {
  appendCustomerEvent(sqlite, customerId, kind, at, data);
  applyToCustomerView(sqlite, { customerId, kind, at, data });
}

function ownerOf(sqlite: Database, id: string): string {
  return sqlite.query<{ merged_into: string | null }, [string]>('SELECT merged_into FROM customers WHERE id = ?').get(id)?.merged_into ?? id;
}

function setColumns(sqlite: Database, id: string, values: ProfileValues, at: number, keepExisting = false): void {
  const columns = PROFILE_COLUMNS.filter((c) => values[c] !== undefined);
  const assign = columns.map((c) => (keepExisting ? `${c} = coalesce(${c}, ?)` : `${c} = ?`));
  sqlite
    .query(`UPDATE customers SET ${[...assign, 'updated_at = ?'].join(', ')} WHERE id = ?`)
    .run(...columns.map((c) => values[c] ?? null), at, id);
}

/** Records the HLC of the write that set each of these fields (JSON {field: hlc} in customers.field_hlcs). */
function setFieldClocks(sqlite: Database, id: string, clocks: Record<string, string>): void {
  if (Object.keys(clocks).length === 0) return;
  sqlite.query("UPDATE customers SET field_hlcs = json_patch(coalesce(field_hlcs, '{}'), ?) WHERE id = ?").run(JSON.stringify(clocks), id);
}

/** The same HLC for every field a write set (its `values`), when the write has one. */
function clocksOfWrite(data: Record<string, unknown>): Record<string, string> {
  const hlc = data.hlc;
  if (typeof hlc !== 'string') return {};
  return Object.fromEntries(Object.keys((data.values ?? {}) as ProfileValues).map((f) => [f, hlc]));
}

/** A customer's field HLCs (see setFieldClocks). */
export function fieldClocksOf(sqlite: Database, id: string): Record<string, string> {
  const raw = sqlite.query<{ field_hlcs: string | null }, [string]>('SELECT field_hlcs FROM customers WHERE id = ?').get(id)?.field_hlcs;
  return raw ? (JSON.parse(raw) as Record<string, string>) : {};
}

export function applyToCustomerView(sqlite: Database, e: ViewEvent): void {
  const { customerId: id, at, data } = e;
  switch (e.kind) {
    case 'created':
      sqlite
        .query('INSERT INTO customers (id, store_id, created_at, updated_at) VALUES (?, ?, ?, ?) ON CONFLICT (id) DO NOTHING')
        .run(id, String(data.store_id ?? ''), at, at);
      return;
    case 'identifier_linked':
      if (typeof data.value === 'string') {
        sqlite
          .query('INSERT INTO identity_links (kind, value, customer_id, linked_for, created_at) VALUES (?, ?, ?, ?, ?)')
          .run(String(data.kind), data.value, ownerOf(sqlite, id), id, at);
      }
      return;
    case 'identifier_unlinked':
      if (typeof data.value === 'string') sqlite.query('DELETE FROM identity_links WHERE kind = ? AND value = ?').run(String(data.kind), data.value);
      return;
    case 'registered':
      setColumns(sqlite, id, (data.values ?? {}) as ProfileValues, at);
      setFieldClocks(sqlite, id, clocksOfWrite(data));
      sqlite.query('UPDATE customers SET registered_at = ? WHERE id = ?').run(at, id);
      return;
    case 'profile_updated':
      setColumns(sqlite, id, (data.values ?? {}) as ProfileValues, at);
      setFieldClocks(sqlite, id, clocksOfWrite(data));
      return;
    case 'profile_synced': {
      // Only the fields that won were recorded (profile-sync.ts). An erasure's tombstone nulls values and hlcs alike.
      const values = (data.values ?? {}) as ProfileValues;
      if (Object.keys(values).length > 0) setColumns(sqlite, id, values, at);
      setFieldClocks(sqlite, id, (data.hlcs ?? {}) as Record<string, string>);
      return;
    }
    case 'profile_filled':
      setColumns(sqlite, id, (data.values ?? {}) as ProfileValues, at, true);
      return;
    case 'merged': {
      const loser = String(data.merged_id);
      const taken = ((data.fields_taken ?? []) as unknown[]).filter(isMergedField);
      for (const f of taken) sqlite.query(`UPDATE customers SET ${f} = (SELECT ${f} FROM customers WHERE id = ?2) WHERE id = ?1`).run(id, loser);
      // A field taken from the alias comes with the timestamp of the write that set it there.
      const loserClocks = fieldClocksOf(sqlite, loser);
      setFieldClocks(sqlite, id, Object.fromEntries(taken.flatMap((f) => (loserClocks[f] !== undefined ? [[f, loserClocks[f]]] : []))));
      sqlite.query('UPDATE customers SET merged_into = ?1, updated_at = ?2 WHERE id = ?3 OR merged_into = ?3').run(id, at, loser);
      sqlite.query('UPDATE customers SET absorbed_into = ? WHERE id = ?').run(id, loser);
      sqlite.query('UPDATE customers SET updated_at = ? WHERE id = ?').run(at, id);
      sqlite.query('UPDATE identity_links SET customer_id = ? WHERE customer_id = ?').run(id, loser);
      return;
    }
    case 'unmerged':
      applyUnmerge(sqlite, id, data, at);
      return;
    case 'merge_suggested':
    case 'merge_suggestion_decided':
      applySuggestionEvent(sqlite, id, e.kind, at, data);
      return;
    case 'erased':
      sqlite
        .query(
          `UPDATE customers SET name = NULL, birthday = NULL, gender = NULL, consent_sms = NULL, consent_email = NULL,
             consent_push = NULL, consent_call = NULL, field_hlcs = NULL, erased_at = ?1, updated_at = ?1 WHERE id = ?2 OR merged_into = ?2`,
        )
        .run(at, id);
      sqlite.query('DELETE FROM identity_links WHERE customer_id = ?').run(id);
      return;
    case 'profile_snapshot': {
      // A snapshot names the final survivor only: it stands in for the direct one (as migration 0021 does).
      const consent = (data.consent ?? {}) as Record<string, number | null>;
      sqlite
        .query(
          `INSERT INTO customers (id, store_id, created_at, updated_at, merged_into, absorbed_into, registered_at, name, birthday, gender,
             consent_sms, consent_email, consent_push, consent_call, erased_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
           ON CONFLICT (id) DO UPDATE SET store_id = ?2, created_at = ?3, updated_at = ?4, merged_into = ?5, absorbed_into = ?5, registered_at = ?6, name = ?7, birthday = ?8, gender = ?9,
             consent_sms = ?10, consent_email = ?11, consent_push = ?12, consent_call = ?13, erased_at = ?14`,
        )
        .run(
          id, String(data.store_id ?? ''), Number(data.created_at ?? at), at, (data.merged_into as string | null) ?? null,
          (data.registered_at as number | null) ?? null, (data.name as string | null) ?? null, (data.birthday as string | null) ?? null,
          (data.gender as string | null) ?? null, consent.sms ?? null, consent.email ?? null, consent.push ?? null, consent.call ?? null,
          (data.erased_at as number | null) ?? null,
        );
      return;
    }
    default:
      return;
  }
}

/**
 * `cli rebuild`: the customer view from nothing, every event applied in change-log order. Returns the
 * number of events applied.
 */
export function rebuildCustomerView(sqlite: Database): number {
  sqlite.run('DELETE FROM identity_links');
  sqlite.run('DELETE FROM customers');
  sqlite.run('DELETE FROM merge_suggestions');
  let n = 0;
  const events = sqlite
    .query<{ recorded_customer_id: string; kind: string; at: number; data: string }, []>(
      `SELECT e.recorded_customer_id, e.kind, e.at, e.data FROM change_log c JOIN customer_events e ON e.id = c.ref
       WHERE c.kind = 'event' ORDER BY c.seq`,
    )
    .iterate();
  for (const e of events) {
    applyToCustomerView(sqlite, { customerId: e.recorded_customer_id, kind: e.kind, at: e.at, data: JSON.parse(e.data) as Record<string, unknown> });
    n++;
  }
  return n;
}

/** Every merged customer and the survivor they belong to now (merged_into always names the final one). */
export function mergedAliases(sqlite: Database): Record<string, string> {
  const rows = sqlite.query<{ id: string; merged_into: string }, []>('SELECT id, merged_into FROM customers WHERE merged_into IS NOT NULL').all();
  return Object.fromEntries(rows.map((r) => [r.id, r.merged_into]));
}

/** Erasure's rewrite of the facts: every personal value in the customer's events becomes null. */
export function tombstoneCustomerEvents(sqlite: Database, customerId: string): number {
  const scrub = (value: unknown, key: string | null): unknown => {
    if (key !== null && PERSONAL_KEYS.has(key)) return null;
    if (value && typeof value === 'object' && !Array.isArray(value)) {
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, k)]));
    }
    return value;
  };
  return tombstoneEvents(sqlite, customerId, (_kind, data) => scrub(data, null) as Record<string, unknown>);
}
