import type { WireChange } from '../protocol.ts';
import { applyIdentityChange, type ChainIdentityPort, type IdentityEffects, unmergedIds } from './chain-identity.ts';

/**
 * Central's identity tables as a whole batch uses them: read in sets before the batch, written in sets after
 * it; merges and erasures (rare, and touching rows the batch never read) one by one, in their place.
 */
export interface ChainIdentityStore {
  /** The global customer of each of these store customers that has one. */
  globalsOf(storeId: string, customerIds: readonly string[]): Promise<Map<string, string>>;
  /** The holder of each of these identifiers that has one, by identifierKey(kind, key). */
  holdersOf(identifiers: readonly { kind: string; key: string }[]): Promise<Map<string, string>>;
  /** A new global customer id (time-ordered: an older customer's id sorts first); written by `insert`. */
  newGlobalId(): string;
  insert(storeId: string, rows: PendingIdentityRows): Promise<void>;
  mergeGlobals(from: string, into: string): Promise<void>;
  /** See ChainIdentityPort.reattach (a row the batch may not have loaded: written at once). */
  reattach(storeId: string, customerId: string, globalId: string): Promise<void>;
  erase(globalId: string): Promise<void>;
}

export interface PendingIdentityRows {
  globals: string[];
  attached: { customerId: string; globalId: string }[];
  held: { kind: string; key: string; globalId: string }[];
}

export const identifierKey = (kind: string, key: string): string => `${kind}\u0000${key}`;

/** The store customers and identifiers a batch's identity rules will ask about. */
function referenced(changes: readonly WireChange[]): { customers: string[]; identifiers: { kind: string; key: string }[] } {
  const customers = new Set<string>();
  const identifiers = new Map<string, { kind: string; key: string }>();
  for (const c of changes) {
    if (c.kind === 'transaction') {
      if (c.fact.recorded_customer_id) customers.add(c.fact.recorded_customer_id);
    } else if (c.kind === 'event') {
      customers.add(c.fact.recorded_customer_id);
      const { data } = c.fact;
      if (typeof data.merged_id === 'string') customers.add(data.merged_id);
      if (c.fact.kind === 'unmerged') for (const id of unmergedIds(c.fact.recorded_customer_id, data)) customers.add(id);
      const key = typeof data.digest === 'string' ? data.digest : typeof data.value === 'string' ? data.value : null;
      if (c.fact.kind === 'identifier_linked' && key !== null) identifiers.set(identifierKey(String(data.kind), key), { kind: String(data.kind), key });
    }
  }
  return { customers: [...customers], identifiers: [...identifiers.values()] };
}

/**
 * Applies a batch's changes to the chain's identities with exactly the rules of chain-identity.ts, change by
 * change in order, but against what two set-based reads loaded: new globals, attachments and identifier holds
 * are buffered and written in sets. A merge or an erasure first writes what is buffered, then runs against the
 * database (it changes rows the batch did not load), and the loaded view is updated the same way, so every later
 * change of the batch sees exactly what it would have seen one query at a time.
 */
export async function applyIdentityBatch(store: ChainIdentityStore, storeId: string, changes: readonly WireChange[], effects: IdentityEffects): Promise<void> {
  const refs = referenced(changes);
  const globals = await store.globalsOf(storeId, refs.customers);
  const holders = await store.holdersOf(refs.identifiers);
  let pending: PendingIdentityRows = { globals: [], attached: [], held: [] };
  const flush = async () => {
    if (pending.globals.length + pending.attached.length + pending.held.length === 0) return;
    const rows = pending;
    pending = { globals: [], attached: [], held: [] };
    await store.insert(storeId, rows);
  };
  const remap = (view: Map<string, string>, from: string, into: string) => {
    for (const [k, g] of view) if (g === from) view.set(k, into);
  };
  const sameStore = (s: string) => {
    if (s !== storeId) throw new Error(`a batch of ${storeId} asked about store ${s}`);
  };
  const port: ChainIdentityPort = {
    async globalOf(s, customerId) {
      sameStore(s);
      return globals.get(customerId) ?? null;
    },
    async newGlobal() {
      const id = store.newGlobalId();
      pending.globals.push(id);
      return id;
    },
    async attach(s, customerId, globalId) {
      sameStore(s);
      globals.set(customerId, globalId);
      pending.attached.push({ customerId, globalId });
    },
    async holderOf(kind, key) {
      return holders.get(identifierKey(kind, key)) ?? null;
    },
    async reattach(s, customerId, globalId) {
      sameStore(s);
      await flush();
      await store.reattach(s, customerId, globalId);
      globals.set(customerId, globalId);
    },
    async hold(kind, key, globalId) {
      holders.set(identifierKey(kind, key), globalId);
      pending.held.push({ kind, key, globalId });
    },
    async mergeGlobals(from, into) {
      await flush();
      await store.mergeGlobals(from, into);
      remap(globals, from, into);
      remap(holders, from, into);
    },
    async erase(globalId) {
      await flush();
      await store.erase(globalId);
      for (const [k, g] of holders) if (g === globalId) holders.delete(k);
    },
  };
  for (const c of changes) await applyIdentityChange(port, storeId, c, effects);
  await flush();
}
