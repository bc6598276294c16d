import * as z from 'zod';
import { customerRefSchema } from './transaction.ts';
import { stageSchema } from './enums.ts';

/** A terminal says who is at its till (the card scanned at the start of a sale), before the sale is posted. */
export const presenceInputSchema = z.strictObject({
  terminal_id: z.string().trim().min(1).max(64),
  customer: customerRefSchema,
});
export type PresenceInput = z.infer<typeof presenceInputSchema>;

/** `GET /api/v1/events`, event `presence`: a known customer is at a till now. */
export const presenceEventSchema = z.object({
  customer_id: z.string(),
  name: z.string().nullable(),
  stage: stageSchema.nullable(),
  terminal_id: z.string(),
  /** ISO time the terminal identified them. */
  at: z.string(),
  /** What told us: a stored sale carrying an identifier, or the terminal's presence call. */
  source: z.enum(['sale', 'presence']),
});
export type PresenceEvent = z.infer<typeof presenceEventSchema>;

export const presenceResultSchema = z.object({ customer_id: z.string() });
