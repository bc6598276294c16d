import * as z from 'zod';
import { actionViewSchema } from './actions.ts';
import { identifierKindSchema, stageSchema, transactionKindSchema } from './enums.ts';

/* The customer profile. Money as decimal numbers in the store currency, instants as ISO strings, points whole. */

const instant = z.string().nullable();
const int = z.number().int();

export const profileLineSchema = z.object({
  line_no: int,
  sku: z.string().nullable(),
  name: z.string().nullable(),
  category: z.string().nullable(),
  quantity: z.number(),
  unit_price: z.number().nullable(),
  discount: z.number(),
  amount: z.number().nullable(),
  void: z.boolean(),
});

export const profileTransactionSchema = z.object({
  id: z.string(),
  terminal_id: z.string(),
  receipt_no: z.string(),
  kind: transactionKindSchema,
  occurred_at: instant,
  total: z.number(),
  points_earned: int,
  points_reversed: int,
  points_redeemed: int,
  original_id: z.string().nullable(),
  lines: z.array(profileLineSchema),
});

export const profileScoresSchema = z.object({
  p_purchase: z.number(),
  churn_risk: z.number(),
  expected_purchases: z.number(),
  horizon_days: z.number(),
  clv: z.number(),
  model_version: z.string(),
  scored_at: instant,
  reasons: z.array(z.object({ code: z.string(), text: z.string() })),
});

/** An item the store sells, with its name and category from the store's catalog (null until a sale line named them). */
export const recommendationSchema = z.object({ sku: z.string(), name: z.string().nullable(), category: z.string().nullable(), score: z.number(), reason: z.string() });

const consentValue = z.boolean().nullable();

export const profileSchema = z.object({
  id: z.string(),
  merged_ids: z.array(z.string()),
  store_id: z.string(),
  created_at: instant,
  registered_at: instant,
  identifiers: z.array(z.object({ kind: identifierKindSchema, masked: z.string() })),
  name: z.string().nullable(),
  birthday: z.string().nullable(),
  gender: z.string().nullable(),
  consent: z.object({ sms: consentValue, email: consentValue, push: consentValue, call: consentValue }),
  currency: z.string(),
  lifecycle: z.object({ stage: stageSchema, since: instant, usual_gap_days: int.nullable() }).nullable(),
  tier: z.object({ name: z.string(), points_earned_12m: int, next: z.object({ name: z.string(), points_needed: int }).nullable() }),
  points: z.object({ balance: int, spendable: int, pending: int, expiring_30d: int }),
  /** null until the customer has been scored. */
  scores: profileScoresSchema.nullable(),
  recommendations: z.array(recommendationSchema),
  stats: z.object({
    first_purchase_at: instant,
    last_purchase_at: instant,
    visits_total: int,
    spend_total: z.number(),
    visits_30d: int,
    visits_90d: int,
    visits_365d: int,
    spend_30d: z.number(),
    spend_90d: z.number(),
    spend_365d: z.number(),
    average_basket: z.number().nullable(),
    returns: z.object({ count: int, amount: z.number() }),
  }),
  /**
   * The customer across the chain, once central has seen them at another store too (sync): their global id,
   * sales and net spend at every store, the stores that know them, the last purchase anywhere. null otherwise.
   */
  chain: z
    .object({ global_id: z.string(), visits: int, spend: z.number(), stores: z.array(z.string()), last_purchase_at: instant })
    .nullable(),
  /** The last 20, newest first. */
  transactions: z.array(profileTransactionSchema),
});
export type Profile = z.infer<typeof profileSchema>;

/** What GET /customers/:id, the lookup, register and update answer: the profile with what to do now. */
export const customerCardSchema = profileSchema.extend({ actions: z.array(actionViewSchema) });
export type CustomerCard = z.infer<typeof customerCardSchema>;
