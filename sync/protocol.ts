import * as z from 'zod';
import { isEncodedHlc } from './hlc.ts';
import { LWW_FIELDS } from './profile-lww.ts';

/*
 * The store → central wire format: a store's facts in change-log order, each with its per-store sequence
 * number. Amounts are integer minor units, quantities thousandths, times epoch ms, as the store keeps them.
 * A batch says which cursor it follows; central applies it only right after the cursor it holds for the
 * store (idempotently for numbers it already has) and answers its cursor either way.
 */

const int = z.number().int();
const ms = z.number().int().nonnegative();

export const wireLineSchema = z.object({
  line_no: int,
  sku: z.string().nullable(),
  name: z.string().nullable(),
  category: z.string().nullable(),
  quantity_milli: int,
  unit_price: int.nullable(),
  discount: int,
  amount: int.nullable(),
  void: z.union([z.literal(0), z.literal(1)]),
});

export const wireTransactionSchema = z.object({
  id: z.string(),
  store_id: z.string(),
  terminal_id: z.string(),
  receipt_no: z.string(),
  kind: z.enum(['sale', 'return']),
  occurred_at: ms,
  utc_offset_min: int,
  recorded_customer_id: z.string().nullable(),
  total: int,
  line_count: int,
  points_earned: int,
  points_reversed: int,
  points_redeemed: int,
  points_balance: int.nullable(),
  original_tx_id: z.string().nullable(),
  original_terminal_id: z.string().nullable(),
  original_receipt_no: z.string().nullable(),
  tenders: z.string(),
  change_amount: int,
  coupons: z.string(),
  /** Minor units, a magnitude, and whether `total` includes it; absent in pushes from stores that predate tax (= null, unknown). */
  tax: int.nonnegative().nullable().default(null),
  tax_included: z.union([z.literal(0), z.literal(1)]).nullable().default(null),
  content_hash: z.string(),
  source: z.string(),
  received_at: ms,
  lines: z.array(wireLineSchema),
});

export const wireLedgerSchema = z.object({
  id: int,
  recorded_customer_id: z.string(),
  kind: z.enum(['earn', 'redeem', 'expire', 'reverse', 'adjust']),
  points: int,
  tx_id: z.string().nullable(),
  lot_id: int.nullable(),
  effective_at: ms,
  available_at: ms.nullable(),
  expires_at: ms.nullable(),
  created_at: ms,
});

export const wireEventSchema = z.object({
  id: z.string(),
  recorded_customer_id: z.string(),
  kind: z.string(),
  at: ms,
  /** The event's data; identifier values replaced by `digest` unless the chain transfers PII. */
  data: z.record(z.string(), z.unknown()),
});

export const wireChangeSchema = z.discriminatedUnion('kind', [
  z.object({ seq: int.positive(), kind: z.literal('transaction'), fact: wireTransactionSchema }),
  z.object({ seq: int.positive(), kind: z.literal('ledger'), fact: wireLedgerSchema }),
  z.object({ seq: int.positive(), kind: z.literal('event'), fact: wireEventSchema }),
]);
export type WireChange = z.infer<typeof wireChangeSchema>;

export const pushBatchSchema = z
  .object({
    store_id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
    /** The last sequence number the store believes central has; the first change is `after + 1`. */
    after: int.nonnegative(),
    changes: z.array(wireChangeSchema).max(10_000),
    /** The store's hybrid clock (encoded) and wall clock when it sent the batch, for skew detection. */
    hlc: z.string(),
    sent_at: ms,
  })
  .superRefine((b, ctx) => {
    b.changes.forEach((c, i) => {
      if (c.seq !== b.after + i + 1) ctx.addIssue({ code: 'custom', path: ['changes', i, 'seq'], message: `expected ${b.after + i + 1}, the numbers must follow \`after\` without a gap` });
    });
  });
export type PushBatch = z.infer<typeof pushBatchSchema>;

/** Central's answer to a push: its cursor for the store after the batch, and whether the store's clock is off. */
export const pushAckSchema = z.object({
  cursor: int.nonnegative(),
  applied: int.nonnegative(),
  /** Set when the store's clock differs from central's by more than the bound: the batch is kept but flagged. */
  clock_skew_ms: int.nullable(),
});
export type PushAck = z.infer<typeof pushAckSchema>;

/**
 * A name the store uses as a directory or file name as it is: no separators, no leading dot, no `..`, so a
 * version or file name from central can never point outside the store's models directory.
 */
const pathSegment = z.string().regex(/^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/, 'letters, digits, ., _ or -, not starting with .');

/** A model set central published: what a store downloads (SYNC_PATHS.models) and checks before serving it. */
export const modelVersionSchema = z.object({
  // Not a name the store's models directory gives its own meaning (a set being written, a set rolled back).
  version: pathSegment.refine((v) => !v.endsWith('.tmp') && !v.endsWith('.rolled-back'), 'not ending in .tmp or .rolled-back'),
  files: z
    .array(z.object({ name: pathSegment, bytes: int.nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/) }))
    .min(1)
    .refine((files) => new Set(files.map((f) => f.name)).size === files.length, 'file names are unique'),
});
export type ModelVersion = z.infer<typeof modelVersionSchema>;

/**
 * The chain's settings, the whole set at a version (server/central/chain-settings.ts). Values are what the store's
 * environment variables would carry; each is checked by the store, which ignores (and lists) one it cannot take
 * rather than refusing the item, so a central of a newer release never stops an older store's pull.
 */
export const chainSettingsSchema = z.object({
  version: int.positive(),
  settings: z.record(z.string(), z.unknown()),
  updated_at: ms,
});
export type ChainSettingsVersion = z.infer<typeof chainSettingsSchema>;

/** Central → store, after the store's own cursor (an id of central's outbox). */
export const pullItemSchema = z.discriminatedUnion('kind', [
  z.object({
    id: int.positive(),
    kind: z.literal('customer'),
    /** A customer known at more than one store: their global id and chain-wide figures. */
    payload: z.object({
      customer_id: z.string(),
      global_id: z.string(),
      visits: int.nonnegative(),
      /** Net of returns, minor units. */
      spend: int,
      stores: z.array(z.string()),
      last_purchase_at: ms.nullable(),
    }),
  }),
  z.object({ id: int.positive(), kind: z.literal('erasure'), payload: z.object({ customer_id: z.string(), global_id: z.string() }) }),
  z.object({ id: int.positive(), kind: z.literal('model'), payload: modelVersionSchema }),
  z.object({ id: int.positive(), kind: z.literal('config'), payload: chainSettingsSchema }),
  z.object({
    id: int.positive(),
    kind: z.literal('profile'),
    /**
     * Last-writer-wins profile fields (sync/profile-lww.ts) as central holds them, each with the encoded HLC of
     * the write that set it; the store takes a field only when that write is later than its own.
     */
    payload: z.object({
      customer_id: z.string(),
      global_id: z.string(),
      fields: z.partialRecord(z.enum(LWW_FIELDS), z.object({ value: z.union([z.string(), z.number(), z.null()]), hlc: z.string().refine(isEncodedHlc, 'an encoded HLC') })),
    }),
  }),
]);
export type PullItem = z.infer<typeof pullItemSchema>;

export const pullAnswerSchema = z.object({
  items: z.array(pullItemSchema),
  /** Pull again after this id; equal to `after` when there was nothing new. */
  cursor: int.nonnegative(),
});
export type PullAnswer = z.infer<typeof pullAnswerSchema>;
