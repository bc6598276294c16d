import * as z from 'zod';
import { outboundChannelSchema, segmentSchema, stageSchema } from './enums.ts';

const instant = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'an ISO date or date-time');

/** GET /analytics/overview: the period [from, to); default the 12 months before `to` (default now). */
export const overviewQuerySchema = z.strictObject({ from: instant.optional(), to: instant.optional() });
export type OverviewQuery = z.infer<typeof overviewQuerySchema>;

/** GET /audiences/export: a CSV of the customers who consented to `channel`. */
export const exportQuerySchema = z.strictObject({
  channel: outboundChannelSchema,
  stage: stageSchema.optional(),
  segment: segmentSchema.optional(),
});
export type ExportQuery = z.infer<typeof exportQuerySchema>;

/* Money as decimal numbers in the store currency; shares and rates in [0, 1], null when the whole is zero. */
const share = z.number().nullable();
const int = z.number().int();
const conversionSchema = z.object({ eligible: int, converted: int, rate: share });

export const overviewSchema = z.object({
  period: z.object({ from: z.string(), to: z.string() }),
  /** ISO 4217 code of the store currency the money figures are in. */
  currency: z.string(),
  revenue: z.number(),
  /** Net tax of the period's transactions whose tax is known (returns subtract). */
  tax: z.number(),
  /**
   * Whether `revenue` includes tax: true when every transaction's tax is known and none was charged on top (VAT
   * stores); false when every one is known and charged on top (sales-tax stores); null when mixed, when any
   * transaction's tax is unknown (`tax_unknown_transactions` > 0), or without transactions.
   */
  revenue_includes_tax: z.boolean().nullable(),
  /** Transactions in the period whose tax the POS did not report (older tills, imports, rows from before tax was kept). */
  tax_unknown_transactions: int,
  stages: z.array(z.object({ stage: stageSchema, customers: int, buyers_in_period: int, revenue: z.number(), revenue_share: share })),
  identified: z.object({ sales_share: share, revenue_share: share, anonymous_revenue: z.number() }),
  top_customers: z.object({ buyers: int, top10_revenue_share: share, top20_revenue_share: share }),
  /** Keyed d30, d60, d90: first purchases whose N days could be observed, and how many bought again within them. */
  repeat_conversion: z.record(z.string(), conversionSchema),
  /** Monthly cohorts (store-local YYYY-MM) and the share of them buying in each following month. */
  cohorts: z.array(z.object({ cohort: z.string(), customers: int, retention: z.array(share) })),
  returns: z.object({ sales: int, returns: int, count_rate: share, amount_rate: share }),
  actions: z.array(
    z.object({ type: z.string(), shown: int, done: int, declined: int, converted: int, revenue: z.number(), conversion_rate: share }),
  ),
  segments: z.array(z.object({ segment: segmentSchema, customers: int, revenue_12m: z.number(), revenue_share: share })),
});
export type Overview = z.infer<typeof overviewSchema>;

/** GET /analytics/at-risk: one page of the call list; `cursor` is the previous page's `next_cursor`. */
export const atRiskQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  /** Opaque to the caller: the CLV key (minor units, -1 when unscored) and id of the last customer seen. */
  cursor: z.string().regex(/^-?\d{1,15}_[0-9A-Za-z_-]{1,64}$/, 'a next_cursor of an earlier page').optional(),
});
export type AtRiskQuery = z.infer<typeof atRiskQuerySchema>;

/**
 * At-risk customers who consented to calls and have a phone, highest CLV first (unscored last, then by id).
 * The phone is unmasked: the list is for the store manager, who calls them.
 */
export const atRiskListSchema = z.object({
  /** How many customers the whole list holds, across pages. */
  total: int,
  customers: z.array(
    z.object({
      id: z.string(),
      name: z.string().nullable(),
      /** E.164. */
      phone: z.string(),
      /** 1 − P(a purchase within the model's horizon); null until scored. */
      churn_risk: z.number().nullable(),
      clv: z.number().nullable(),
      last_purchase_at: z.string().nullable(),
      days_since_purchase: int.nullable(),
    }),
  ),
  next_cursor: z.string().nullable(),
  /** ISO 4217 code of the store currency `clv` is in. */
  currency: z.string(),
  as_of: z.string(),
});
export type AtRiskList = z.infer<typeof atRiskListSchema>;

/** GET /analytics/models: the store's own model health, one entry per snapshot, newest first. */
export const modelHealthSchema = z.object({
  as_of: z.string(),
  snapshots: z.array(
    z.object({
      taken_at: z.string(),
      /** `recorded`: predictions made at taken_at; `backtest`: the models run on the history as it stood then. */
      kind: z.enum(['recorded', 'backtest']),
      model_version: z.string(),
      horizon_days: int,
      /** The sample of customers with a purchase before taken_at the snapshot holds. */
      customers: int,
      matures_at: z.string(),
      /** Null until the horizon has passed. */
      figures: z
        .object({
          buyers: int,
          /** AUC of p_purchase for "bought within the horizon"; null when everyone or no one bought. */
          auc_p_purchase: z.number().nullable(),
          /** The baseline: recency alone, on the same customers. */
          auc_recency: z.number().nullable(),
          mae_expected_purchases: z.number(),
          predicted_purchases: z.number(),
          actual_purchases: int,
          /** Mean Recall@10 of the recommendations against each buyer's next basket. */
          recall_at_10: z.number().nullable(),
          next_baskets: int,
        })
        .nullable(),
    }),
  ),
});
export type ModelHealth = z.infer<typeof modelHealthSchema>;
