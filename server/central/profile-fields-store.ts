import { and, eq, inArray, isNull } from 'drizzle-orm';
import type { ChainIdentityPort } from '../../sync/central/chain-identity.ts';
import {
  applyProfileWrites,
  fieldsFor,
  type HeldField,
  noteUnited,
  type ProfileFieldsPort,
  type ProfileNews,
  uniteProfileFields,
} from '../../sync/central/profile-fields.ts';
import type { WireChange } from '../../sync/protocol.ts';
import { isLwwField, type LwwField } from '../../sync/profile-lww.ts';
import type { CentralTx } from './central-db.ts';
import { globalCustomers, profileFields, storeCustomers, storeOutbox } from './schema.ts';

/** Central's profile_fields as the last-writer-wins rules use them (sync/central/profile-fields.ts), in the push's transaction. */
export function profileFieldsPort(tx: CentralTx, now: number): ProfileFieldsPort {
  return {
    async liveGlobalOf(storeId, customerId) {
      const rows = await tx
        .select({ g: storeCustomers.globalId })
        .from(storeCustomers)
        .innerJoin(globalCustomers, eq(globalCustomers.globalId, storeCustomers.globalId))
        .where(and(eq(storeCustomers.storeId, storeId), eq(storeCustomers.customerId, customerId), isNull(globalCustomers.erasedAt)));
      return rows[0]?.g ?? null;
    },
    held: (globalId) => heldFields(tx, globalId),
    async keep(globalId, field, v) {
      const row = { value: JSON.stringify(v.value), hlc: v.hlc, storeId: v.storeId, updatedAt: now };
      await tx
        .insert(profileFields)
        .values({ globalId, field, ...row })
        .onConflictDoUpdate({ target: [profileFields.globalId, profileFields.field], set: row });
    },
  };
}

async function heldFields(tx: CentralTx, globalId: string): Promise<Map<LwwField, HeldField>> {
  const rows = await tx.select().from(profileFields).where(eq(profileFields.globalId, globalId));
  const out = new Map<LwwField, HeldField>();
  for (const r of rows) {
    if (!isLwwField(r.field)) continue;
    const parsed = JSON.parse(r.value) as unknown;
    const value = typeof parsed === 'string' || typeof parsed === 'number' ? parsed : null;
    out.set(r.field, { value, hlc: r.hlc, storeId: r.storeId });
  }
  return out;
}

/** An erased global customer keeps no profile at central (its stores' events are scrubbed beside this), nor does one merged away. */
export async function forgetProfileFields(tx: CentralTx, globalId: string): Promise<void> {
  await tx.delete(profileFields).where(eq(profileFields.globalId, globalId));
}

/**
 * Queues a 'profile' item for every store customer of each global customer with news, carrying what that store
 * must learn (fieldsFor); a store with nothing to learn gets nothing.
 */
export async function enqueueProfiles(tx: CentralTx, news: ReadonlyMap<string, ProfileNews>, now: number): Promise<void> {
  if (news.size === 0) return;
  const known = await tx.select().from(storeCustomers).where(inArray(storeCustomers.globalId, [...news.keys()]));
  const held = new Map<string, Map<LwwField, HeldField>>();
  const rows: Array<typeof storeOutbox.$inferInsert> = [];
  for (const k of known) {
    if (!held.has(k.globalId)) held.set(k.globalId, await heldFields(tx, k.globalId));
    const fields = fieldsFor(k.storeId, held.get(k.globalId)!, news.get(k.globalId)!);
    if (fields !== null) rows.push({ storeId: k.storeId, kind: 'profile', payload: { customer_id: k.customerId, global_id: k.globalId, fields }, createdAt: now });
  }
  if (rows.length > 0) await tx.insert(storeOutbox).values(rows);
}

/**
 * A push's part in the last-writer-wins profile, in its transaction: `watching` wraps the identity port so that
 * two global customers becoming one unite their fields first (each keeps the later version) and both sides'
 * stores learn the other's winners; `apply`, after the identity rules, offers the batch's profile writes and
 * queues what each store must learn.
 */
export function profileMerge(tx: CentralTx, now: number) {
  const port = profileFieldsPort(tx, now);
  const news = new Map<string, ProfileNews>();
  return {
    watching<P extends Pick<ChainIdentityPort, 'mergeGlobals'>>(identity: P): P {
      return {
        ...identity,
        async mergeGlobals(from, into) {
          await uniteProfileFields(port, from, into);
          await forgetProfileFields(tx, from);
          noteUnited(news, from, into);
          await identity.mergeGlobals(from, into);
        },
      };
    },
    async apply(storeId: string, changes: readonly WireChange[], skewFlagged: boolean): Promise<void> {
      await applyProfileWrites(port, storeId, changes, { skewFlagged, now }, news);
      await enqueueProfiles(tx, news, now);
    },
  };
}
