import * as z from 'zod';
import { actionOutcomeSchema, actionStatusSchema, channelSchema, outboundChannelSchema, stageSchema } from './enums.ts';

export const suggestedItemSchema = z.object({ sku: z.string(), name: z.string().nullable() });
export type SuggestedItem = z.infer<typeof suggestedItemSchema>;

/** One next-best action as the associate sees it; times are ISO instants. */
export const actionViewSchema = z.object({
  id: z.string(),
  type: z.string(),
  channel: channelSchema,
  priority: z.number(),
  script: z.string(),
  reason: z.string(),
  offer: z.object({ code: z.string(), description: z.string() }).nullable(),
  items: z.array(suggestedItemSchema),
  created_at: z.string().nullable(),
  expires_at: z.string().nullable(),
  status: actionStatusSchema,
});
export type ActionView = z.infer<typeof actionViewSchema>;

/** GET /customers/:id/actions: the ranked actions and the ones the guardrails held back. */
export const customerActionsSchema = z.object({
  actions: z.array(actionViewSchema),
  suppressed: z.array(z.object({ type: z.string(), reason: z.string() })),
});
export type CustomerActions = z.infer<typeof customerActionsSchema>;

export const outcomeSchema = z.strictObject({
  outcome: actionOutcomeSchema,
  survey_answer: z.string().trim().min(1).max(500).optional(),
  note: z.string().trim().min(1).max(1000).optional(),
});
export type OutcomeInput = z.infer<typeof outcomeSchema>;

/** POST /actions/:id/outcome; `replayed` when the same outcome was already recorded. */
export const outcomeResultSchema = z.object({ id: z.string(), status: actionStatusSchema, replayed: z.boolean() });
export type OutcomeResult = z.infer<typeof outcomeResultSchema>;

/** GET /today: customers the store may reach out to today, highest value first, each with the action to take. */
export const todayListSchema = z.object({
  items: z.array(
    z.object({
      customer: z.object({
        id: z.string(),
        name: z.string().nullable(),
        stage: stageSchema.nullable(),
        /** Expected value over the model's horizon, in the store's currency; null before the first scoring. */
        clv: z.number().nullable(),
        /** Channels the customer consented to. */
        consent: z.array(outboundChannelSchema),
      }),
      action: actionViewSchema,
    }),
  ),
  /** ISO 4217 code of the store's currency, for `clv`. */
  currency: z.string(),
  /** When the list was made (ISO). */
  as_of: z.string(),
});
export type TodayList = z.infer<typeof todayListSchema>;
