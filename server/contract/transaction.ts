import * as z from 'zod';
import { transactionKindSchema } from './enums.ts';

/*
 * The POS wire format (JSON). Amounts are decimal numbers in the store's currency, all non-negative:
 * the direction of a transaction is its `kind`. Conversion to minor units happens in server/ingest/normalize-transaction.ts.
 */

/** Major units; any amount above it — a line, a tender, a transaction's total — is a typo, not a sale. */
export const MAX_AMOUNT = 100_000_000;

const amount = z.number().finite().nonnegative().max(MAX_AMOUNT);
const shortText = (max: number) => z.string().trim().min(1).max(max);

export const customerRefSchema = z
  .strictObject({
    loyalty_card: shortText(64).optional(),
    phone: shortText(32).optional(),
    email: shortText(254).optional(),
    member_id: shortText(64).optional(),
    external_id: shortText(128).optional(),
  })
  .refine((c) => Object.values(c).some((v) => v !== undefined), {
    message: 'customer needs at least one of loyalty_card, phone, email, member_id, external_id',
  });

export const lineSchema = z.strictObject({
  sku: shortText(64).nullish(),
  name: z.string().max(200).nullish(),
  category: z.string().max(100).nullish(),
  /** Units; weighed items are fractional (0.42 kg). Up to 3 decimals are kept. */
  quantity: z.number().finite().positive().max(1_000_000),
  unit_price: amount,
  discount: amount.default(0),
  amount,
  void: z.boolean().default(false),
});

export const tenderSchema = z.strictObject({
  type: shortText(32),
  amount,
});

/**
 * The transaction's tax. `included: true`: the line amounts already contain it (VAT, GST); `false`: it was charged on
 * top (US sales tax), so the tenders pay the lines' total plus the tax. Absent or null: the POS does not say.
 */
export const taxSchema = z.strictObject({
  amount,
  included: z.boolean(),
});

export const transactionSchema = z.strictObject({
  store_id: shortText(32),
  terminal_id: shortText(32),
  receipt_no: shortText(64),
  occurred_at: z.iso.datetime({ offset: true, local: false }),
  kind: transactionKindSchema,
  customer: customerRefSchema.nullish(),
  lines: z.array(lineSchema).min(1).max(500),
  tenders: z.array(tenderSchema).max(20).default([]),
  /** Cash handed back; tenders minus change must equal the total. */
  change: amount.default(0),
  coupons: z.array(shortText(64)).max(50).default([]),
  tax: taxSchema.nullish(),
  points_redeemed: z.number().int().nonnegative().max(100_000_000).default(0),
  original: z
    .strictObject({
      store_id: shortText(32).optional(),
      terminal_id: shortText(32),
      receipt_no: shortText(64),
    })
    .nullish(),
});

export type TransactionWire = z.input<typeof transactionSchema>;
export type TransactionParsed = z.output<typeof transactionSchema>;

export const MAX_BATCH = 1000;

export const batchSchema = z.strictObject({
  transactions: z.array(z.unknown()).min(1).max(MAX_BATCH),
});
