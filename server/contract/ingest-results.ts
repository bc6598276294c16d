import * as z from 'zod';
import { errorSchema, errorShapeSchema } from './errors.ts';
import { posLogStatusSchema } from './enums.ts';

/** What POST /transactions answers (201 stored, 200 the first result of a replay). Points are whole points. */
export const ingestResultSchema = z.object({
  id: z.string(),
  customer_id: z.string().nullable(),
  points_earned: z.number().int(),
  points_reversed: z.number().int(),
  points_redeemed: z.number().int(),
  points_balance: z.number().int().nullable(),
  original_id: z.string().nullable(),
});
export type IngestResult = z.infer<typeof ingestResultSchema>;

/** One batch item: the ingest result with its status (201, 200), or the error body's inside with its 4xx/5xx. */
export const batchItemResultSchema = z.union([
  ingestResultSchema.extend({ index: z.number().int(), status: z.union([z.literal(201), z.literal(200)]) }),
  z.object({ index: z.number().int(), status: z.number().int().min(400), error: errorSchema }),
]);
export type BatchItemResult = z.infer<typeof batchItemResultSchema>;

export const batchResultSchema = z.object({
  results: z.array(batchItemResultSchema),
  stored: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
});
export type BatchResult = z.infer<typeof batchResultSchema>;

export const posLogItemResultSchema = z.object({
  /** Position of the <Transaction> element in the document; a mixed sale/return gives two results with one index. */
  index: z.number().int(),
  receipt_no: z.string().nullable(),
  status: posLogStatusSchema,
  /** Line of the <Transaction> start tag in the document. */
  line: z.number().int(),
  id: z.string().optional(),
  customer_id: z.string().nullable().optional(),
  original_id: z.string().nullable().optional(),
  reason: z.string().optional(),
  /** A document-level rejection (totals that do not add up, another store) has details `{line}`, not field issues. */
  error: errorShapeSchema.optional(),
});
export type PosLogItemResult = z.infer<typeof posLogItemResultSchema>;

export const posLogResultSchema = z.object({
  results: z.array(posLogItemResultSchema),
  stored: z.number().int(),
  duplicates: z.number().int(),
  rejected: z.number().int(),
  skipped: z.number().int(),
});
export type PosLogResult = z.infer<typeof posLogResultSchema>;
