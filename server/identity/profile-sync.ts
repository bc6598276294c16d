import type { Database } from 'bun:sqlite';
import { type FieldVersion, laterWins, LWW_FIELDS, type LwwField } from '../../sync/profile-lww.ts';
import { fieldClocksOf, type ProfileValues, recordCustomerEvent } from './customer-view.ts';
import { observeProfileClock } from './profile-clock.ts';

/**
 * A customer's profile fields as central holds them (the chain's last-writer-wins winners), offered to this
 * store's own versions: a field is taken only when its write is later (sync/profile-lww.ts) than the one that
 * set it here, a local edit included. What is taken is one fact, `profile_synced`, through the one writer;
 * central skips that kind in a push (it is central's own news coming back). Every timestamp seen moves the
 * store's clock past it, so a later edit here orders after it. Answers the fields taken.
 */
export function applyChainProfile(
  sqlite: Database,
  customerId: string,
  chain: { globalId: string; fields: Partial<Record<LwwField, FieldVersion>> },
  ctx: { storeId: string; now: number; maxDriftMs: number },
): LwwField[] {
  const row = sqlite.query<Record<LwwField, string | number | null>, [string]>(`SELECT ${LWW_FIELDS.join(', ')} FROM customers WHERE id = ?`).get(customerId);
  if (!row) return [];
  const clocks = fieldClocksOf(sqlite, customerId);
  const values: ProfileValues = {};
  const hlcs: Record<string, string> = {};
  for (const field of LWW_FIELDS) {
    const incoming = chain.fields[field];
    if (incoming === undefined) continue;
    observeProfileClock(sqlite, ctx.storeId, incoming.hlc, ctx.now, ctx.maxDriftMs);
    const own = clocks[field];
    if (!laterWins(field, own === undefined ? null : { value: row[field], hlc: own }, incoming)) continue;
    values[field] = incoming.value;
    hlcs[field] = incoming.hlc;
  }
  const taken = Object.keys(hlcs) as LwwField[];
  if (taken.length > 0) recordCustomerEvent(sqlite, customerId, 'profile_synced', ctx.now, { global_id: chain.globalId, values, hlcs });
  return taken;
}
