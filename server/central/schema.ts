import { sql } from 'drizzle-orm';
import { bigint, boolean, index, integer, jsonb, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

/*
 * Central's PostgreSQL schema (PGlite embedded by default, a PostgreSQL server with DATABASE_URL): the same
 * tables and migrations for both. Times are epoch ms (bigint), amounts integer minor units, as in the stores.
 * Every table that grows with a store's traffic leads its key with store_id, and customer tables will lead
 * with the global customer id: the two keys a Citus cluster would distribute by (docs/scaling.md).
 */

const ms = (name: string) => bigint(name, { mode: 'number' });

/** The chain's stores, their sync credential (hash only) and where their push stands. */
export const stores = pgTable(
  'stores',
  {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  credentialHash: text('credential_hash').notNull(),
  createdAt: ms('created_at').notNull(),
  revokedAt: ms('revoked_at'),
  /** The last change (store sequence number) applied; the store pushes after it. */
  cursor: ms('cursor').notNull().default(0),
  lastPushAt: ms('last_push_at'),
  /** The store's clock minus central's at its last push, when beyond the bound; null when within it. */
  clockSkewMs: integer('clock_skew_ms'),
  },
  (t) => [uniqueIndex('stores_credential').on(t.credentialHash)],
);

/** Every change a store pushed, as it came (the source of truth at central), once per (store, seq). */
export const storeChanges = pgTable(
  'store_changes',
  {
    storeId: text('store_id').notNull(),
    seq: ms('seq').notNull(),
    kind: text('kind').notNull(),
    fact: jsonb('fact').notNull(),
    receivedAt: ms('received_at').notNull(),
    /** Pushed while the store's clock was off by more than the bound: kept, not merged into last-writer-wins fields. */
    skewFlagged: boolean('skew_flagged').notNull().default(false),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.seq] })],
);

/** The chain's sales and returns, one row per store transaction, for chain-wide figures. */
export const chainTransactions = pgTable(
  'chain_transactions',
  {
    storeId: text('store_id').notNull(),
    id: text('id').notNull(),
    kind: text('kind').notNull(),
    occurredAt: ms('occurred_at').notNull(),
    /** Signed, minor units: returns are negative. */
    total: ms('total').notNull(),
    /** The store's own customer id the fact was recorded for (null: anonymous). */
    storeCustomerId: text('store_customer_id'),
    lineCount: integer('line_count').notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.id] }), index('chain_transactions_customer').on(t.storeId, t.storeCustomerId).where(sql`${t.storeCustomerId} IS NOT NULL`)],
);
