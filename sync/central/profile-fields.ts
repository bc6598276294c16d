import { isEncodedHlc } from '../hlc.ts';
import type { WireChange } from '../protocol.ts';
import { type FieldVersion, isLwwField, laterWins, type LwwField, resolvePushedField } from '../profile-lww.ts';

/*
 * Central's last-writer-wins profile: every profile write a store pushes (its event carries the HLC of the
 * write) is offered, field by field, to the global customer's held version; the winners are what the stores
 * then learn. Runs in the push's transaction after the identity rules (so a write lands on the global
 * customer its store customer is now part of).
 */

/** A held field: its version and the store whose write it is. */
export interface HeldField extends FieldVersion {
  storeId: string;
}

export interface ProfileFieldsPort {
  /** The global customer a store customer is (after this batch's merges), null when unknown or erased. */
  liveGlobalOf(storeId: string, customerId: string): Promise<string | null>;
  held(globalId: string): Promise<Map<LwwField, HeldField>>;
  keep(globalId: string, field: LwwField, version: HeldField): Promise<void>;
}

/**
 * Store event kinds that are a store's own profile writes: `{values: {field: value}, hlc}`. A store's
 * `profile_synced` (a value it took from central) is central's own news coming back, and `profile_filled` (a
 * POS filling a gap) never overrides anyone: neither takes part.
 */
const PROFILE_WRITES = new Set(['registered', 'profile_updated']);

/** The field writes in a change: none unless it is a store's profile write with a well-formed HLC. */
export function profileWritesOf(change: WireChange): { customerId: string; fields: Array<[LwwField, FieldVersion]> } | null {
  if (change.kind !== 'event' || !PROFILE_WRITES.has(change.fact.kind)) return null;
  const { hlc, values } = change.fact.data;
  if (!isEncodedHlc(hlc) || values === null || typeof values !== 'object') return null;
  const fields: Array<[LwwField, FieldVersion]> = [];
  for (const [field, value] of Object.entries(values as Record<string, unknown>)) {
    if (!isLwwField(field)) continue;
    if (value !== null && typeof value !== 'string' && typeof value !== 'number') continue;
    fields.push([field, { value, hlc }]);
  }
  return { customerId: change.fact.recorded_customer_id, fields };
}

/**
 * What the stores must learn of one global customer after a batch: fields whose held version changed (every
 * store but the writer's), fields where a store's write lost (that store: the winner), or every field (two
 * customers became one: each side learns the other's winners).
 */
export interface ProfileNews {
  won: Set<LwwField>;
  lostAt: Map<string, Set<LwwField>>;
  all: boolean;
}

function newsOf(news: Map<string, ProfileNews>, globalId: string): ProfileNews {
  let n = news.get(globalId);
  if (!n) news.set(globalId, (n = { won: new Set(), lostAt: new Map(), all: false }));
  return n;
}

/** Two global customers became one (`into` survives): its stores and `from`'s must learn each other's winners. */
export function noteUnited(news: Map<string, ProfileNews>, from: string, into: string): void {
  const gone = news.get(from);
  news.delete(from);
  const n = newsOf(news, into);
  n.all = true;
  for (const f of gone?.won ?? []) n.won.add(f);
  for (const [store, fields] of gone?.lostAt ?? []) n.lostAt.set(store, new Set([...(n.lostAt.get(store) ?? []), ...fields]));
}

/** Offers a batch's profile writes (in change-log order) to the held fields, noting what the stores must learn. */
export async function applyProfileWrites(
  port: ProfileFieldsPort,
  storeId: string,
  changes: readonly WireChange[],
  push: { skewFlagged: boolean; now: number },
  news: Map<string, ProfileNews>,
): Promise<void> {
  for (const change of changes) {
    const writes = profileWritesOf(change);
    if (writes === null || writes.fields.length === 0) continue;
    const globalId = await port.liveGlobalOf(storeId, writes.customerId);
    if (globalId === null) continue;
    const held = await port.held(globalId);
    for (const [field, incoming] of writes.fields) {
      const won = resolvePushedField(field, held.get(field) ?? null, incoming, push);
      const n = newsOf(news, globalId);
      if (won !== null) {
        await port.keep(globalId, field, { ...won, storeId });
        held.set(field, { ...won, storeId });
        n.won.add(field);
        // A flagged withdrawal is kept with a timestamp of central's making: its own store must learn it too.
        if (won.hlc !== incoming.hlc) n.lostAt.set(storeId, new Set([...(n.lostAt.get(storeId) ?? []), field]));
      } else if (held.has(field)) {
        n.lostAt.set(storeId, new Set([...(n.lostAt.get(storeId) ?? []), field]));
      }
    }
  }
}

/**
 * Two global customers are one: each field keeps the later of the two versions (the stores of both must
 * then learn the other's winners: noteUnited).
 */
export async function uniteProfileFields(port: Pick<ProfileFieldsPort, 'held' | 'keep'>, from: string, into: string): Promise<void> {
  const mine = await port.held(into);
  const theirs = await port.held(from);
  for (const [field, version] of theirs) {
    if (laterWins(field, mine.get(field) ?? null, version)) await port.keep(into, field, version);
  }
}

/**
 * The held fields a store is sent about a customer after a batch (see ProfileNews), never a field whose
 * held write is that store's own unless central re-dated it; null for nothing. The store keeps a field only
 * when the write is later than its own version, so a copy it already has changes nothing.
 */
export function fieldsFor(storeId: string, held: ReadonlyMap<LwwField, HeldField>, news: ProfileNews): Partial<Record<LwwField, FieldVersion>> | null {
  const out: Partial<Record<LwwField, FieldVersion>> = {};
  const lost = news.lostAt.get(storeId);
  for (const [field, v] of held) {
    const fromElsewhere = v.storeId !== storeId && (news.all || news.won.has(field));
    if (fromElsewhere || lost?.has(field)) out[field] = { value: v.value, hlc: v.hlc };
  }
  return Object.keys(out).length > 0 ? out : null;
}
