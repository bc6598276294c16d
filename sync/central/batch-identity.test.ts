import { describe, expect, it } from 'vitest';
import type { WireChange } from '../protocol.ts';
import { applyIdentityBatch, type ChainIdentityStore, identifierKey } from './batch-identity.ts';
import { applyIdentityChange, type ChainIdentityPort, type IdentityEffects } from './chain-identity.ts';

/*
 * The batched identity rules against the rules applied one change at a time: the same random histories of
 * several stores (sales, identifiers shared across stores, merges, unmerges, erasures), pushed in batches of random sizes,
 * leave the same chain (who is whose global customer, who holds which identifier, merges, erasures) and report
 * the same effects per batch. Both run over an in-memory chain that behaves as central's tables do.
 */

class MemoryChain {
  readonly customers = new Map<string, string>(); // `${store}/${customer}` → global id
  readonly holders = new Map<string, string>(); // identifierKey → global id
  readonly globals = new Map<string, { mergedInto: string | null; erased: boolean }>();
  statements = 0;
  private next = 0;

  newId(): string {
    const id = `G${String(++this.next).padStart(6, '0')}`;
    this.globals.set(id, { mergedInto: null, erased: false });
    return id;
  }

  merge(from: string, into: string): void {
    for (const [k, g] of this.customers) if (g === from) this.customers.set(k, into);
    for (const [k, g] of this.holders) if (g === from) this.holders.set(k, into);
    for (const [id, g] of this.globals) if (id === from || g.mergedInto === from) g.mergedInto = into;
  }

  erase(globalId: string): void {
    this.globals.get(globalId)!.erased = true;
    for (const [k, g] of this.holders) if (g === globalId) this.holders.delete(k);
  }

  /** One query per question, as chain-identity-store.ts's port does it. */
  port(): ChainIdentityPort {
    return {
      globalOf: async (s, c) => (this.statements++, this.customers.get(`${s}/${c}`) ?? null),
      newGlobal: async () => (this.statements++, this.newId()),
      attach: async (s, c, g) => void (this.statements++, this.customers.set(`${s}/${c}`, g)),
      reattach: async (s, c, g) => void (this.statements++, this.customers.set(`${s}/${c}`, g)),
      holderOf: async (kind, key) => (this.statements++, this.holders.get(identifierKey(kind, key)) ?? null),
      hold: async (kind, key, g) => void (this.statements++, this.holders.set(identifierKey(kind, key), g)),
      mergeGlobals: async (from, into) => void (this.statements++, this.merge(from, into)),
      erase: async (g) => void (this.statements++, this.erase(g)),
    };
  }

  /** Sets at a time, as chain-identity-store.ts's chainIdentityStore does it. */
  store(): ChainIdentityStore {
    let pendingIds: string[] = [];
    return {
      globalsOf: async (s, ids) => {
        this.statements++;
        return new Map(ids.flatMap((c) => (this.customers.has(`${s}/${c}`) ? [[c, this.customers.get(`${s}/${c}`)!] as const] : [])));
      },
      holdersOf: async (identifiers) => {
        this.statements++;
        return new Map(identifiers.flatMap((i) => (this.holders.has(identifierKey(i.kind, i.key)) ? [[identifierKey(i.kind, i.key), this.holders.get(identifierKey(i.kind, i.key))!] as const] : [])));
      },
      // An id is taken when handed out (as a ULID is), and its row exists once inserted.
      newGlobalId: () => {
        const id = this.newId();
        this.globals.delete(id);
        pendingIds.push(id);
        return id;
      },
      insert: async (s, rows) => {
        this.statements += 3;
        expect(rows.globals).toEqual(pendingIds);
        pendingIds = [];
        for (const g of rows.globals) this.globals.set(g, { mergedInto: null, erased: false });
        for (const a of rows.attached) {
          expect(this.customers.has(`${s}/${a.customerId}`)).toBe(false); // a primary key
          this.customers.set(`${s}/${a.customerId}`, a.globalId);
        }
        for (const h of rows.held) {
          expect(this.holders.has(identifierKey(h.kind, h.key))).toBe(false);
          this.holders.set(identifierKey(h.kind, h.key), h.globalId);
        }
      },
      mergeGlobals: async (from, into) => {
        this.statements++;
        expect(this.globals.has(from) && this.globals.has(into)).toBe(true); // written before the merge runs
        this.merge(from, into);
      },
      reattach: async (s, c, g) => {
        this.statements++;
        expect(this.globals.has(g)).toBe(true); // written before the customer moves to it
        this.customers.set(`${s}/${c}`, g);
      },
      erase: async (g) => {
        this.statements++;
        this.erase(g);
      },
    };
  }

  state() {
    return { customers: [...this.customers].sort(), holders: [...this.holders].sort(), globals: [...this.globals].sort() };
  }
}

/** A small deterministic generator (mulberry32). */
function random(seed: number) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return { next, int: (n: number) => Math.floor(next() * n) };
}

function sale(seq: number, storeId: string, customer: string | null): WireChange {
  return {
    seq,
    kind: 'transaction',
    fact: {
      id: `T${seq}`, store_id: storeId, terminal_id: 'T1', receipt_no: String(seq), kind: 'sale', occurred_at: seq, utc_offset_min: 0, recorded_customer_id: customer,
      total: 100, line_count: 0, points_earned: 0, points_reversed: 0, points_redeemed: 0, points_balance: null, original_tx_id: null, original_terminal_id: null,
      original_receipt_no: null, tenders: '[]', change_amount: 0, coupons: '[]', tax: null, tax_included: null, content_hash: `h${seq}`, source: 'test', received_at: seq, lines: [],
    },
  };
}

const event = (seq: number, customer: string, kind: string, data: Record<string, unknown>): WireChange => ({
  seq,
  kind: 'event',
  fact: { id: `E${seq}`, recorded_customer_id: customer, kind, at: seq, data },
});

/** A store's random history: many sales, identifiers from a small shared pool, a few merges and erasures. */
function history(rnd: ReturnType<typeof random>, storeId: string, length: number): WireChange[] {
  const customer = () => `${storeId}-c${rnd.int(12)}`;
  return Array.from({ length }, (_, i) => {
    const seq = i + 1;
    const x = rnd.next();
    if (x < 0.45) return sale(seq, storeId, rnd.next() < 0.8 ? customer() : null);
    if (x < 0.5) return { seq, kind: 'ledger', fact: { id: seq, recorded_customer_id: customer(), kind: 'earn', points: 1, tx_id: null, lot_id: null, effective_at: seq, available_at: null, expires_at: null, created_at: seq } };
    if (x < 0.6) return event(seq, customer(), 'created', {});
    if (x < 0.82) return event(seq, customer(), 'identifier_linked', { kind: rnd.next() < 0.5 ? 'phone' : 'card', digest: `d${rnd.int(8)}` });
    if (x < 0.85) return event(seq, customer(), 'identifier_linked', { kind: 'phone', digest: null }); // tombstoned
    if (x < 0.91) return event(seq, customer(), 'merged', { merged_id: customer() });
    if (x < 0.93) return event(seq, customer(), 'unmerged', { customer_ids: [customer()] });
    if (x < 0.97) return event(seq, customer(), 'erased', {});
    return event(seq, customer(), 'identifier_unlinked', { kind: 'phone', digest: `d${rnd.int(8)}` });
  });
}

const effectsOf = (e: IdentityEffects) => ({ touched: [...e.touched].sort(), erased: [...e.erased].sort() });

describe('the batched chain identity rules', () => {
  it('leave the chain exactly as the rules applied one change at a time, batch after batch', async () => {
    for (let seed = 1; seed <= 40; seed++) {
      const rnd = random(seed);
      const stores = ['S1', 'S2', 'S3'].map((id) => ({ id, changes: history(rnd, id, 150), at: 0 }));
      const oneByOne = new MemoryChain();
      const batched = new MemoryChain();
      while (stores.some((s) => s.at < s.changes.length)) {
        const s = stores[rnd.int(stores.length)]!;
        const batch = s.changes.slice(s.at, s.at + 1 + rnd.int(40));
        s.at += batch.length;
        const a: IdentityEffects = { touched: new Set(), erased: new Set() };
        const port = oneByOne.port();
        for (const c of batch) await applyIdentityChange(port, s.id, c, a);
        const b: IdentityEffects = { touched: new Set(), erased: new Set() };
        await applyIdentityBatch(batched.store(), s.id, batch, b);
        expect(effectsOf(b)).toEqual(effectsOf(a));
        expect(batched.state()).toEqual(oneByOne.state());
      }
      expect(batched.statements).toBeLessThan(oneByOne.statements); // merges and erasures (1 in 9 changes here) go one by one
    }
  });

  it('reads a batch of sales with two statements and writes it with one insert', async () => {
    const chain = new MemoryChain();
    const batch = Array.from({ length: 1000 }, (_, i) => sale(i + 1, 'S1', `c${i % 300}`));
    const effects: IdentityEffects = { touched: new Set(), erased: new Set() };
    await applyIdentityBatch(chain.store(), 'S1', batch, effects);
    expect(chain.statements).toBe(2 + 3);
    expect(chain.customers.size).toBe(300);
    expect(effects.touched.size).toBe(300);
  });
});
