import type { WireChange } from '../protocol.ts';

/**
 * Central's view of who is who across the chain, as the identity rules below need it. Runs inside the push's
 * transaction, under the chain-wide identity lock (two stores linking the same phone at once must not both
 * create a holder).
 */
export interface ChainIdentityPort {
  globalOf(storeId: string, customerId: string): Promise<string | null>;
  /** A new global customer id (time-ordered: an older customer's id sorts first). */
  newGlobal(): Promise<string>;
  attach(storeId: string, customerId: string, globalId: string): Promise<void>;
  /** A store customer seen before now belongs to `globalId` (an unmerge at the store). */
  reattach(storeId: string, customerId: string, globalId: string): Promise<void>;
  /** The global customer holding an identifier (by digest, or by value when the chain ships PII). */
  holderOf(kind: string, key: string): Promise<string | null>;
  hold(kind: string, key: string, globalId: string): Promise<void>;
  /** Every store customer and identifier of `from` now belongs to `into`; `from` points at `into`. */
  mergeGlobals(from: string, into: string): Promise<void>;
  erase(globalId: string): Promise<void>;
}

/** What a batch did to global customers: whose chain-wide figures or id changed, and who was erased. */
export interface IdentityEffects {
  touched: Set<string>;
  erased: Set<string>;
}

async function ensureGlobal(port: ChainIdentityPort, storeId: string, customerId: string): Promise<string> {
  const known = await port.globalOf(storeId, customerId);
  if (known) return known;
  const fresh = await port.newGlobal();
  await port.attach(storeId, customerId, fresh);
  return fresh;
}

/** The store customers an `unmerged` event brings back: the one it is recorded for and the aliases it names. */
export function unmergedIds(customerId: string, data: Record<string, unknown>): string[] {
  const named = Array.isArray(data.customer_ids) ? data.customer_ids.filter((x): x is string => typeof x === 'string') : [];
  return [customerId, ...named.filter((id) => id !== customerId)];
}

/** Two global customers are one person: the older id survives (stable for HQ's exports and the stores). */
async function unite(port: ChainIdentityPort, a: string, b: string, effects: IdentityEffects): Promise<string> {
  if (a === b) return a;
  const [into, from] = a < b ? [a, b] : [b, a];
  await port.mergeGlobals(from, into);
  effects.touched.delete(from);
  effects.touched.add(into);
  if (effects.erased.delete(from)) effects.erased.add(into);
  return into;
}

/**
 * Applies one store change to the chain's identities, in change-log order:
 * - every store customer gets a global customer when first seen (creation, or a fact recorded for them);
 * - an identifier already held by another global customer makes the two one (customers of different stores
 *   sharing a phone or card are one person); a merge at a store unites its two customers' globals;
 * - an unmerge at a store detaches the customer that came back (and the aliases it brought back) from the
 *   global customer it was united with: they get a new global customer of their own. The identifiers central
 *   saw linked for them stay with the old one (digests are not told apart by who linked them), so another
 *   store linking one of them later joins the survivor's global customer;
 * - an erasure erases the global customer, which every store that knows them will then erase too.
 * Unlinking an identifier leaves its holder as it is (a reused card number is a store's decision to make).
 */
export async function applyIdentityChange(port: ChainIdentityPort, storeId: string, change: WireChange, effects: IdentityEffects): Promise<void> {
  if (change.kind === 'transaction') {
    if (change.fact.recorded_customer_id) effects.touched.add(await ensureGlobal(port, storeId, change.fact.recorded_customer_id));
    return;
  }
  if (change.kind !== 'event') return;
  const { recorded_customer_id: customerId, kind, data } = change.fact;
  const own = await ensureGlobal(port, storeId, customerId);
  if (kind === 'identifier_linked') {
    const key = typeof data.digest === 'string' ? data.digest : typeof data.value === 'string' ? data.value : null;
    if (key === null) return; // tombstoned by an erasure
    const idKind = String(data.kind);
    const holder = await port.holderOf(idKind, key);
    if (holder === null) await port.hold(idKind, key, own);
    else if (holder !== own) await unite(port, holder, own, effects);
  } else if (kind === 'merged' && typeof data.merged_id === 'string') {
    const loser = await ensureGlobal(port, storeId, data.merged_id);
    await unite(port, own, loser, effects);
  } else if (kind === 'unmerged') {
    const fresh = await port.newGlobal();
    for (const id of unmergedIds(customerId, data)) {
      const before = await port.globalOf(storeId, id);
      if (before) effects.touched.add(before);
      await port.reattach(storeId, id, fresh);
    }
    effects.touched.add(fresh);
  } else if (kind === 'erased') {
    await port.erase(own);
    effects.erased.add(own);
    effects.touched.delete(own);
  }
}
