import { sql } from 'drizzle-orm';
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

/*
 * The single source of truth for storage. Units: money in integer minor units of the store's currency
 * (fen/cents), signed (returns are negative); quantities in integer thousandths; times in UTC epoch
 * milliseconds (plus the original UTC offset in minutes where the source had one).
 *
 * Facts (append-only, what syncs): transactions, transaction_lines, loyalty_ledger, customer_events — written
 * only by db/fact-writer.ts, each with its number in change_log. Identity links, registrations, profile and
 * consent changes, merges, erasures and action outcomes are customer events. Everything else is derived
 * (rebuildable from facts by `cli rebuild`): customers, identity_links, customer_stats, customer_points…
 *
 * Three fact tables carry a derived column beside the fact: `customer_id` is the customer the fact belongs
 * to now (the survivor of merges), kept in the row because every per-customer read goes through its index;
 * `recorded_customer_id` is who the fact was recorded for and never changes. Only a merge (and rebuild)
 * rewrites `customer_id`; only an erasure rewrites an event's personal values, to a tombstone.
 */

export const apiTokens = sqliteTable('api_tokens', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  role: text('role', { enum: ['terminal', 'clerk', 'manager', 'hq', 'admin', 'metrics'] }).notNull(),
  /** sha256 hex of the token; the token itself is shown once and never stored. */
  tokenHash: text('token_hash').notNull().unique(),
  createdAt: integer('created_at').notNull(),
  revokedAt: integer('revoked_at'),
});

/** Store staff who sign in on the tablets (name + PIN); only a slow hash of the PIN is stored. */
export const staff = sqliteTable(
  'staff',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    /** The name as typed at sign-in is matched on: trimmed, lower-cased (NFKC). */
    nameKey: text('name_key').notNull(),
    role: text('role', { enum: ['clerk', 'manager'] }).notNull(),
    /** Bun.password (argon2id) hash of the PIN. */
    pinHash: text('pin_hash').notNull(),
    createdAt: integer('created_at').notNull(),
    disabledAt: integer('disabled_at'),
  },
  (t) => [uniqueIndex('staff_name_key').on(t.nameKey)],
);

export const customers = sqliteTable(
  'customers',
  {
    id: text('id').primaryKey(),
    storeId: text('store_id').notNull(),
    createdAt: integer('created_at').notNull(),
    updatedAt: integer('updated_at').notNull(),
    /** When set, this customer was merged into another and is only an alias. */
    mergedInto: text('merged_into'),
    /** Set when a clerk registered the customer (not merely created by a transaction). */
    registeredAt: integer('registered_at'),
    name: text('name'),
    /** YYYY-MM-DD */
    birthday: text('birthday'),
    gender: text('gender'),
    /** Consent per channel: 1 yes, 0 no, null never asked. */
    consentSms: integer('consent_sms'),
    consentEmail: integer('consent_email'),
    consentPush: integer('consent_push'),
    consentCall: integer('consent_call'),
    erasedAt: integer('erased_at'),
    /**
     * JSON {field: encoded HLC}: the chain-wide timestamp of the write that set each profile field here (a write
     * at this store, or one taken from central), for last-writer-wins (sync/profile-lww.ts). Null: none yet.
     */
    fieldHlcs: text('field_hlcs'),
    /**
     * The customer this one was merged into directly (`merged_into` names the final survivor): an unmerge
     * brings back this customer with the aliases merged into it before.
     */
    absorbedInto: text('absorbed_into'),
  },
  (t) => [index('customers_merged_into').on(t.mergedInto), index('customers_absorbed_into').on(t.absorbedInto)],
);

/** Derived from identifier_linked / identifier_unlinked events and merges: the identifiers live now. */
export const identityLinks = sqliteTable(
  'identity_links',
  {
    kind: text('kind', { enum: ['card', 'phone', 'email', 'member', 'external'] }).notNull(),
    /** Normalized: card digits/letters, E.164 phone, lower-cased email. */
    value: text('value').notNull(),
    customerId: text('customer_id').notNull(),
    /** The customer whose `identifier_linked` event linked it (a merge moves `customer_id`, not this; an unmerge reads it). */
    linkedFor: text('linked_for'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.kind, t.value] }),
    index('identity_links_customer').on(t.customerId),
    // The clerk's "last four digits of the phone" search, without scanning every phone.
    index('identity_links_phone_last4').on(sql`substr(${t.value}, -4)`).where(sql`${t.kind} = 'phone'`),
  ],
);

/**
 * Derived from `merge_suggested` / `merge_suggestion_decided` events: two registered customers a sale named
 * together, which POS data may not merge (DESIGN §5); a manager approves (merges) or rejects.
 */
export const mergeSuggestions = sqliteTable(
  'merge_suggestions',
  {
    id: text('id').primaryKey(),
    /** The customer the sale went to (the strongest identifier's); survives an approval. */
    customerId: text('customer_id').notNull(),
    /** The other registered customer the sale named. */
    otherCustomerId: text('other_customer_id').notNull(),
    status: text('status', { enum: ['open', 'approved', 'rejected'] }).notNull(),
    /** JSON array of the identifier kinds that named the other customer. */
    kinds: text('kinds').notNull(),
    /** The transaction that named both (its id), when one did. */
    txId: text('tx_id'),
    createdAt: integer('created_at').notNull(),
    decidedAt: integer('decided_at'),
    /** JSON actor of the decision. */
    decidedBy: text('decided_by'),
  },
  (t) => [index('merge_suggestions_status').on(t.status, t.createdAt), index('merge_suggestions_pair').on(t.customerId, t.otherCustomerId)],
);

export const transactions = sqliteTable(
  'transactions',
  {
    id: text('id').primaryKey(),
    storeId: text('store_id').notNull(),
    terminalId: text('terminal_id').notNull(),
    receiptNo: text('receipt_no').notNull(),
    kind: text('kind', { enum: ['sale', 'return'] }).notNull(),
    occurredAt: integer('occurred_at').notNull(),
    utcOffsetMin: integer('utc_offset_min').notNull(),
    /** Derived: the customer the transaction belongs to now (see the note at the top). */
    customerId: text('customer_id'),
    /** Fact: the customer it was recorded for. */
    recordedCustomerId: text('recorded_customer_id'),
    /** Sum of non-void line amounts, negative for returns. */
    total: integer('total').notNull(),
    lineCount: integer('line_count').notNull(),
    pointsEarned: integer('points_earned').notNull(),
    pointsReversed: integer('points_reversed').notNull(),
    pointsRedeemed: integer('points_redeemed').notNull(),
    /** The customer's points balance right after this transaction (part of the replayed result). */
    pointsBalance: integer('points_balance'),
    originalTxId: text('original_tx_id'),
    originalTerminalId: text('original_terminal_id'),
    originalReceiptNo: text('original_receipt_no'),
    /** JSON: [{type, amount}] in minor units. */
    tenders: text('tenders').notNull(),
    changeAmount: integer('change_amount').notNull(),
    /** JSON array of coupon codes. */
    coupons: text('coupons').notNull(),
    /**
     * Tax in minor units, a magnitude (>= 0 for returns too); null when the source did not say (and for every
     * transaction stored before tax was recorded). `taxIncluded` 1: already in `total` (VAT); 0: charged on top of it.
     */
    tax: integer('tax'),
    taxIncluded: integer('tax_included'),
    /** sha256 of the normalized content: same key + same hash = replay, same key + other hash = conflict. */
    contentHash: text('content_hash').notNull(),
    source: text('source').notNull(),
    receivedAt: integer('received_at').notNull(),
  },
  (t) => [
    uniqueIndex('transactions_key').on(t.storeId, t.terminalId, t.receiptNo),
    // Covering (kind, total): per-customer period figures read the index alone, already grouped by customer.
    // And id: reading a customer's baskets goes from this index straight to their lines (see
    // transaction_lines), never through the transactions table, whose rows lie scattered by arrival time.
    // And (tax, tax_included): the overview's tax figures come from the same pass over it (null costs a byte).
    index('transactions_customer_time').on(t.customerId, t.occurredAt, t.kind, t.total, t.id, t.tax, t.taxIncluded),
    index('transactions_time').on(t.occurredAt),
    // Returns only: a sale has no original, and indexing its NULL would be one more B-tree insert per sale
    // that no query reads (every reader asks for original_tx_id = ? or IS NOT NULL).
    index('transactions_original').on(t.originalTxId).where(sql`${t.originalTxId} IS NOT NULL`),
  ],
);

/**
 * WITHOUT ROWID (migration 0010; drizzle cannot declare it, so a generated migration that recreates this
 * table must keep it): lines are stored in their primary key's order, a transaction's lines together on one
 * page, found by one B-tree search and no rowid lookup per line. Ingest inserts into one B-tree, not two.
 */
export const transactionLines = sqliteTable(
  'transaction_lines',
  {
    txId: text('tx_id').notNull(),
    lineNo: integer('line_no').notNull(),
    sku: text('sku'),
    name: text('name'),
    category: text('category'),
    /** Thousandths of a unit, negative on returns. */
    quantityMilli: integer('quantity_milli').notNull(),
    unitPrice: integer('unit_price'),
    discount: integer('discount').notNull(),
    /** Net line amount, negative on returns; null when the source did not know it (history imports). */
    amount: integer('amount'),
    /** Voided lines are kept as facts and never count. */
    void: integer('void', { mode: 'boolean' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.txId, t.lineNo] })],
);

export const loyaltyLedger = sqliteTable(
  'loyalty_ledger',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** Derived: the owner now (survivor of merges); `recorded_customer_id` is the fact. */
    customerId: text('customer_id').notNull(),
    recordedCustomerId: text('recorded_customer_id'),
    kind: text('kind', { enum: ['earn', 'redeem', 'expire', 'reverse', 'adjust'] }).notNull(),
    /** Signed points: earn/positive adjust > 0; redeem, expire, reverse < 0. */
    points: integer('points').notNull(),
    txId: text('tx_id'),
    /** The earn entry (lot) an expire or reverse entry draws on first. */
    lotId: integer('lot_id'),
    /** When the entry takes effect: the sale time for earn/redeem/reverse, the expiry time for expire. */
    effectiveAt: integer('effective_at').notNull(),
    /** Earn lots only: spendable from (end of the return window) and until (expiry). */
    availableAt: integer('available_at'),
    expiresAt: integer('expires_at'),
    createdAt: integer('created_at').notNull(),
  },
  (t) => [index('loyalty_ledger_customer').on(t.customerId, t.id), index('loyalty_ledger_tx').on(t.txId)],
);

export const customerEvents = sqliteTable(
  'customer_events',
  {
    id: text('id').primaryKey(),
    /** Derived: the owner now (survivor of merges); `recorded_customer_id` is the fact. */
    customerId: text('customer_id').notNull(),
    recordedCustomerId: text('recorded_customer_id'),
    kind: text('kind').notNull(),
    at: integer('at').notNull(),
    /** JSON payload of the event (see identity/customer-event-kinds.ts); personal values become tombstones on erasure. */
    data: text('data').notNull(),
  },
  (t) => [
    index('customer_events_customer').on(t.customerId, t.at),
    // A registration sent again by a tablet (offline queue) is found by its client id.
    index('customer_events_client_id').on(sql`json_extract(${t.data}, '$.client_id')`).where(sql`${t.kind} = 'registered'`),
    // …and so is a profile or consent change (one partial index per kind: the queries name the kind literally).
    index('customer_events_update_client_id').on(sql`json_extract(${t.data}, '$.client_id')`).where(sql`${t.kind} = 'profile_updated'`),
  ],
);

/**
 * The store's change log: one row per fact, numbered in the order the facts were written (per store,
 * gap-free: rows are never deleted). This is what sync ships, after the cursor central acknowledged.
 * `ref` is the fact's key in its table (transaction id, ledger entry id, event id). One exception: after a
 * restore, a `restore_gap` row (no fact, never shipped) marks where the log was moved past central's cursor;
 * the numbers between belong to the facts the restore threw away, kept at central (fact-writer's moveLogPast).
 */
export const changeLog = sqliteTable('change_log', {
  seq: integer('seq').primaryKey(),
  kind: text('kind', { enum: ['transaction', 'ledger', 'event', 'restore_gap'] }).notNull(),
  ref: text('ref').notNull(),
});

/** Derived: totals that do not decay with time. Windowed figures are computed on read. */
export const customerStats = sqliteTable('customer_stats', {
  customerId: text('customer_id').primaryKey(),
  firstPurchaseAt: integer('first_purchase_at'),
  lastPurchaseAt: integer('last_purchase_at'),
  saleCount: integer('sale_count').notNull(),
  saleAmount: integer('sale_amount').notNull(),
  returnCount: integer('return_count').notNull(),
  /** Positive minor units returned. */
  returnAmount: integer('return_amount').notNull(),
});

/** Derived: balance = SUM(loyalty_ledger.points) of the customer. */
export const customerPoints = sqliteTable('customer_points', {
  customerId: text('customer_id').primaryKey(),
  balance: integer('balance').notNull(),
  /**
   * A cache that lets an ordinary sale skip replaying the ledger: no lot with points left expires before
   * this time (ms). null: no such lot; 0: unknown (after a merge or rebuild), so the next write replays.
   */
  nextExpiryAt: integer('next_expiry_at'),
});

/** Derived: the customer's lifecycle stage and the facts it depends on (see lifecycle/lifecycle-rules.ts). */
export const customerLifecycle = sqliteTable(
  'customer_lifecycle',
  {
    customerId: text('customer_id').primaryKey(),
    stage: text('stage').notNull(),
    /** When the customer entered the stage (ms). */
    since: integer('since').notNull(),
    joinedAt: integer('joined_at').notNull(),
    purchaseCount: integer('purchase_count').notNull(),
    firstPurchaseAt: integer('first_purchase_at'),
    lastPurchaseAt: integer('last_purchase_at'),
    medianGapMs: integer('median_gap_ms'),
    activeSince: integer('active_since'),
    secondPurchaseAt: integer('second_purchase_at'),
    evaluatedAt: integer('evaluated_at').notNull(),
    /** RFM quintiles (1–5, 5 best) and segment, set by the daily sweep; null without purchases in 365 days. */
    rScore: integer('r_score'),
    fScore: integer('f_score'),
    mScore: integer('m_score'),
    segment: text('segment'),
    /** Net revenue of the last 12 months (minor units), set with the RFM scores. */
    revenue12m: integer('revenue_12m'),
  },
  (t) => [index('customer_lifecycle_stage').on(t.stage), index('customer_lifecycle_first').on(t.firstPurchaseAt, t.secondPurchaseAt)],
);

/** The customer's stage history: one row per change, dated when it happened. */
export const stageChanges = sqliteTable(
  'stage_changes',
  {
    id: integer('id').primaryKey({ autoIncrement: true }),
    customerId: text('customer_id').notNull(),
    fromStage: text('from_stage'),
    toStage: text('to_stage').notNull(),
    at: integer('at').notNull(),
    recordedAt: integer('recorded_at').notNull(),
  },
  (t) => [index('stage_changes_customer').on(t.customerId, t.at), index('stage_changes_at').on(t.at)],
);

/** Derived: every SKU the store has sold, maintained on ingest (names, price, first/last sale). */
export const catalogItems = sqliteTable(
  'catalog_items',
  {
    sku: text('sku').primaryKey(),
    name: text('name'),
    category: text('category'),
    lastUnitPrice: integer('last_unit_price'),
    firstSoldAt: integer('first_sold_at').notNull(),
    lastSoldAt: integer('last_sold_at').notNull(),
    /** The sale before lastSoldAt; a long gap between the two means "back in stock". */
    previousSoldAt: integer('previous_sold_at'),
  },
  (t) => [index('catalog_items_category').on(t.category, t.firstSoldAt)],
);

/**
 * Next-best actions shown to associates, with their outcome (a fact: it syncs as a customer event too)
 * and conversion (a purchase within the attribution window after the action was done).
 */
export const actions = sqliteTable(
  'actions',
  {
    id: text('id').primaryKey(),
    customerId: text('customer_id').notNull(),
    type: text('type').notNull(),
    channel: text('channel').notNull(),
    /** Guardrail key: one offer of a kind per period. */
    offerKind: text('offer_kind'),
    createdAt: integer('created_at').notNull(),
    expiresAt: integer('expires_at').notNull(),
    priority: integer('priority').notNull(),
    script: text('script').notNull(),
    reason: text('reason').notNull(),
    /** JSON {code, description} or null. */
    offer: text('offer'),
    /** JSON array of {sku, name}. */
    items: text('items').notNull(),
    status: text('status', { enum: ['open', 'done', 'declined', 'not_now', 'expired'] }).notNull(),
    outcomeAt: integer('outcome_at'),
    surveyAnswer: text('survey_answer'),
    note: text('note'),
    convertedTxId: text('converted_tx_id'),
    convertedAt: integer('converted_at'),
    /** Minor units of the converting purchase. */
    revenue: integer('revenue'),
  },
  (t) => [index('actions_customer').on(t.customerId, t.createdAt), index('actions_type').on(t.type, t.status)],
);

/** Derived store-wide figures the daily sweep computes (e.g. the top-10% spend threshold). */
export const storeMetrics = sqliteTable('store_metrics', {
  key: text('key').primaryKey(),
  /** JSON value. */
  value: text('value').notNull(),
  computedAt: integer('computed_at').notNull(),
});

/** Derived: per customer and store-local month (YYYY-MM), for cohorts and period figures without scanning every sale. */
export const customerMonths = sqliteTable(
  'customer_months',
  {
    customerId: text('customer_id').notNull(),
    month: text('month').notNull(),
    sales: integer('sales').notNull(),
    /** Net minor units (returns subtract). */
    revenue: integer('revenue').notNull(),
  },
  (t) => [primaryKey({ columns: [t.customerId, t.month] }), index('customer_months_month').on(t.month)],
);

/** Derived by the daily sweep: items most often bought together (cosine of basket co-occurrence, 90 days). */
export const itemNeighbors = sqliteTable(
  'item_neighbors',
  {
    sku: text('sku').notNull(),
    neighbor: text('neighbor').notNull(),
    score: real('score').notNull(),
    together: integer('together').notNull(),
  },
  (t) => [primaryKey({ columns: [t.sku, t.neighbor] })],
);

/**
 * Derived: the customer's latest model scores (scoring/serving). Rewritten after each of their
 * transactions and by the scheduled rescore; the profile reads this row rather than scoring on request.
 */
export const customerScores = sqliteTable(
  'customer_scores',
  {
    customerId: text('customer_id').primaryKey(),
    modelVersion: text('model_version').notNull(),
    scoredAt: integer('scored_at').notNull(),
    /** P(at least one purchase within the model's horizon); churn risk is 1 − it. */
    pPurchase: real('p_purchase').notNull(),
    expectedPurchases: real('expected_purchases').notNull(),
    horizonDays: integer('horizon_days').notNull(),
    /** Minor units: expected purchases × the customer's average basket. */
    clv: integer('clv').notNull(),
    /** JSON [{code, text}] an associate can read. */
    reasons: text('reasons').notNull(),
    /** JSON [{sku, name, score, reason}] best first. */
    recommendations: text('recommendations').notNull(),
  },
  // No index on p_purchase (dropped in 0011): no query reads by it, and every rescoring, one after each
  // identified sale, would move the customer's entry in it.
);

/**
 * Derived from central (sync pull): a customer also known at other stores of the chain, with their global id and
 * chain-wide figures. A customer of this store alone has no row (their own figures are the chain's).
 */
export const chainCustomers = sqliteTable('chain_customers', {
  customerId: text('customer_id').primaryKey(),
  globalId: text('global_id').notNull(),
  /** Sales across the chain. */
  visits: integer('visits').notNull(),
  /** Minor units, net of returns, across the chain. */
  spend: integer('spend').notNull(),
  /** JSON array of the store ids that know the customer. */
  stores: text('stores').notNull(),
  lastPurchaseAt: integer('last_purchase_at'),
  updatedAt: integer('updated_at').notNull(),
});

/**
 * What the models said about a sample of customers at one instant (taken_at), kept until the horizon has passed
 * so the store can compare it with what happened (GET /api/v1/analytics/models). `recorded`: predictions made
 * then; `backtest`: the served models run on the history as it stood at taken_at (a store's first figures).
 */
export const predictionSnapshots = sqliteTable(
  'prediction_snapshots',
  {
    takenAt: integer('taken_at').notNull(),
    customerId: text('customer_id').notNull(),
    kind: text('kind', { enum: ['recorded', 'backtest'] }).notNull(),
    modelVersion: text('model_version').notNull(),
    horizonDays: integer('horizon_days').notNull(),
    pPurchase: real('p_purchase').notNull(),
    expectedPurchases: real('expected_purchases').notNull(),
    /** JSON array of the recommended SKUs, best first (at most 10). */
    recommendations: text('recommendations').notNull(),
  },
  (t) => [primaryKey({ columns: [t.takenAt, t.customerId] })],
);

/**
 * Who read a customer's personal data, when, and whose (GET /api/v1/audit). Not a fact: it never syncs and is
 * not rebuilt; the daily sweep prunes rows older than AUDIT_KEEP_DAYS. It holds ids only (token id, staff id,
 * customer id), never a personal value or a secret, so an erasure keeps it. Written in batches (server/audit/).
 */
export const auditLog = sqliteTable(
  'audit_log',
  {
    /** Increasing: the order rows were written in and the cursor of the log's pages. */
    id: integer('id').primaryKey({ autoIncrement: true }),
    /** When the read was answered (epoch ms). */
    at: integer('at').notNull(),
    /** `staff`: a signed-in staff member on a tablet (actor_id = staff id); `token`: an API token (its id). */
    actorKind: text('actor_kind', { enum: ['token', 'staff'] }).notNull(),
    actorId: text('actor_id').notNull(),
    role: text('role').notNull(),
    /** profile.read, customer.search, customer.list, audience.export, … (contract/audit.ts). */
    action: text('action').notNull(),
    /** Whose data; null for a list that names many (at-risk list, audience export). */
    customerId: text('customer_id'),
    /** The route template answered, e.g. `GET /api/v1/customers/:id`; an audience export adds its filter (`?channel=sms`). */
    route: text('route').notNull(),
  },
  (t) => [index('audit_log_customer_idx').on(t.customerId, t.id), index('audit_log_actor_idx').on(t.actorId, t.id), index('audit_log_at_idx').on(t.at)],
);
