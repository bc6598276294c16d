import { sql } from 'drizzle-orm';
import { bigint, boolean, customType, index, integer, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';

/*
 * Central's PostgreSQL schema (PGlite embedded by default, a PostgreSQL server with DATABASE_URL): the same
 * tables and migrations for both. Times are epoch ms (bigint), amounts integer minor units, as in the stores.
 * Every table that grows with a store's traffic leads its key with store_id, and customer tables will lead
 * with the global customer id: the two keys a Citus cluster would distribute by (docs/scaling.md).
 */

const ms = (name: string) => bigint(name, { mode: 'number' });

/**
 * jsonb, sent as text cast on the server. With drizzle's own jsonb column, Bun's PostgreSQL client (DATABASE_URL)
 * JSON-encoded drizzle's already encoded string once more, so a PostgreSQL server kept every value as a JSON
 * string (jsonb_typeof 'string', `fact->>'kind'` null); PGlite was not affected. A string read back is parsed.
 */
const jsonb = customType<{ data: unknown; driverData: unknown }>({
  dataType: () => 'jsonb',
  toDriver: (value) => sql`${JSON.stringify(value)}::text::jsonb`,
  fromDriver: (value) => (typeof value === 'string' ? (JSON.parse(value) as unknown) : value),
});

/**
 * bytea, written as base64 text decoded on the server: the same SQL for PGlite and Bun's PostgreSQL client,
 * whose binary parameter encodings differ. Read back in chunks with encode(substring(…), 'base64') (model-versions.ts).
 */
const bytea = customType<{ data: Uint8Array; driverData: unknown }>({
  dataType: () => 'bytea',
  toDriver: (value) => sql`decode(${Buffer.from(value).toString('base64')}, 'base64')`,
  fromDriver: (value) => (typeof value === 'string' ? Buffer.from(value.replace(/^\\x/, ''), 'hex') : (value as Uint8Array)),
});

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
    /** Tax in minor units (a magnitude) and whether `total` includes it (1) or it came on top (0); null: the store did not know. */
    tax: ms('tax'),
    taxIncluded: integer('tax_included'),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.id] }), index('chain_transactions_customer').on(t.storeId, t.storeCustomerId).where(sql`${t.storeCustomerId} IS NOT NULL`)],
);

/** One person across the chain. A global id merged into another keeps pointing at it (merged_into). */
export const globalCustomers = pgTable(
  'global_customers',
  {
    globalId: text('global_id').primaryKey(),
    createdAt: ms('created_at').notNull(),
    mergedInto: text('merged_into'),
    erasedAt: ms('erased_at'),
    /** When a push or HQ last changed the customer; strictly after every earlier commit (nextUpdateStamp), HQ pages by it. */
    updatedAt: ms('updated_at').notNull().default(0),
  },
  (t) => [index('global_customers_updated').on(t.updatedAt, t.globalId)],
);

/** A store's customer and the global customer they are. */
export const storeCustomers = pgTable(
  'store_customers',
  {
    storeId: text('store_id').notNull(),
    customerId: text('customer_id').notNull(),
    globalId: text('global_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.storeId, t.customerId] }), index('store_customers_global').on(t.globalId)],
);

/** Identifier digests (or values, with PII transfer) and the global customer that holds them. */
export const globalIdentifiers = pgTable(
  'global_identifiers',
  {
    kind: text('kind').notNull(),
    digest: text('digest').notNull(),
    globalId: text('global_id').notNull(),
  },
  (t) => [primaryKey({ columns: [t.kind, t.digest] }), index('global_identifiers_global').on(t.globalId)],
);

/** What each store pulls from central, in id order after the store's own cursor. */
export const storeOutbox = pgTable(
  'store_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedAlwaysAsIdentity(),
    storeId: text('store_id').notNull(),
    kind: text('kind').notNull(),
    payload: jsonb('payload').notNull(),
    createdAt: ms('created_at').notNull(),
  },
  (t) => [index('store_outbox_store').on(t.storeId, t.id)],
);

/** Headquarters' API tokens (hash only): `hq` reads, `admin` also erases. */
export const centralTokens = pgTable(
  'central_tokens',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    role: text('role').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: ms('created_at').notNull(),
    revokedAt: ms('revoked_at'),
  },
  (t) => [uniqueIndex('central_tokens_hash').on(t.tokenHash)],
);

/**
 * Model sets central trained and published (`CENTRAL=1 cli train --from-db`), newest version last by name
 * (`<UTC minute>-hq`, sorting after a store's own set of the same minute). `files` lists what a store downloads
 * and checks: [{name, bytes, sha256}]; `card` is the training summary.
 */
export const modelVersions = pgTable('model_versions', {
  version: text('version').primaryKey(),
  createdAt: ms('created_at').notNull(),
  files: jsonb('files').notNull(),
  card: jsonb('card').notNull(),
});

/**
 * The files of each published model set, in the database with their version row (one transaction publishes
 * both; a DATABASE_URL central keeps no state on its own disk). Served to stores in chunks (substring), so a
 * download never holds a whole file in memory.
 */
export const modelFiles = pgTable(
  'model_files',
  {
    version: text('version').notNull(),
    name: text('name').notNull(),
    bytes: integer('bytes').notNull(),
    sha256: text('sha256').notNull(),
    content: bytea('content').notNull(),
  },
  (t) => [primaryKey({ columns: [t.version, t.name] })],
);

/**
 * Last-writer-wins profile fields (sync/profile-lww.ts): per global customer and field, the winning value and
 * the encoded HLC of the write that set it, and the store it came from (which needs no copy back).
 */
export const profileFields = pgTable(
  'profile_fields',
  {
    globalId: text('global_id').notNull(),
    field: text('field').notNull(),
    /** JSON text of the value (a string, a number, or null): a jsonb string would read back ambiguous (see jsonb above). */
    value: text('value').notNull(),
    hlc: text('hlc').notNull(),
    storeId: text('store_id').notNull(),
    updatedAt: ms('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.globalId, t.field] })],
);

/**
 * The chain's settings (`CENTRAL=1 cli config set|unset`), one row per version holding the whole set: setting
 * name → value as the store's environment variable would carry it (text), checked by the store's own config
 * schema (server/kernel/config.ts, CHAIN_SETTING_KEYS). Versions grow by one from 1; the newest row is in force,
 * the older ones say who changed what when. Every change queues a 'config' item for every store.
 */
export const chainSettings = pgTable('chain_settings', {
  version: integer('version').primaryKey(),
  settings: jsonb('settings').notNull(),
  updatedAt: ms('updated_at').notNull(),
  /** Who made this version (the operator's name, `--by` or the OS user). */
  updatedBy: text('updated_by').notNull(),
});
