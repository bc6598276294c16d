import * as z from 'zod';
import { stageSchema } from './enums.ts';

/*
 * Headquarters' API on central (/api/hq/v1): the chain's customers, one per global customer, and the chain's
 * figures per store. Money is integer minor units (`*_minor`: central adds what stores sent, it does not know
 * their currencies' digits); times are ISO 8601 instants in UTC.
 */

/** Headquarters' token roles: `hq` reads; `admin` also erases. */
export const HQ_ROLES = ['hq', 'admin'] as const;
export const hqRoleSchema = z.enum(HQ_ROLES);
export type HqRole = z.infer<typeof hqRoleSchema>;

const int = z.number().int();
const instant = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'an ISO date or date-time');
const share = z.number().nullable();

/** GET /profiles: customers changed at or after `updated_since`, oldest change first; `cursor` is the previous page's `next_cursor`. */
export const hqProfilesQuerySchema = z.strictObject({
  updated_since: instant.optional(),
  cursor: z.string().regex(/^[A-Za-z0-9_-]{4,200}$/, 'a next_cursor of an earlier page').optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type HqProfilesQuery = z.infer<typeof hqProfilesQuerySchema>;

/** What central derives from the stores' transactions of the customer, at every store that knows them. */
export const hqChainStatsSchema = z.object({
  /** Sales. */
  visits: int,
  returns: int,
  /** Net of returns. */
  spend_minor: int,
  first_purchase_at: z.string().nullable(),
  last_purchase_at: z.string().nullable(),
});

/**
 * One global customer. An erased customer keeps only `global_id`, `updated_at` and `erased_at` (everything else
 * empty or null), so a copy kept up to date by `updated_since` learns to forget them. `scores` and `tier` are
 * null: stores compute them from models and loyalty rules of their own and do not send them to central.
 */
export const hqProfileSchema = z.object({
  global_id: z.string(),
  /** When a push or HQ last changed the customer at central (strictly increasing in commit order). */
  updated_at: z.string(),
  erased_at: z.string().nullable(),
  /** The stores that know the customer, sorted. */
  stores: z.array(z.string()),
  chain: hqChainStatsSchema.nullable(),
  /** The chain lifecycle stage: the store's rules (LIFECYCLE_*) over the chain's sales, every sale counted. */
  stage: z.object({ stage: stageSchema, since: z.string() }).nullable(),
  scores: z.null(),
  tier: z.null(),
});
export type HqProfile = z.infer<typeof hqProfileSchema>;

export const hqProfilePageSchema = z.object({
  items: z.array(hqProfileSchema),
  /** Opaque; null when there was nothing after this page (resume later with `updated_since`). */
  next_cursor: z.string().nullable(),
});
export type HqProfilePage = z.infer<typeof hqProfilePageSchema>;

/** DELETE /customers/:global_id. */
export const hqErasureSchema = z.object({
  global_id: z.string(),
  erased_at: z.string(),
  /** Store customers an erasure was queued for (the stores erase them at their next pull). */
  store_customers_notified: int,
});
export type HqErasure = z.infer<typeof hqErasureSchema>;

/** GET /analytics/stores: transactions in [from, to) (default all); customers as they are now. */
export const hqAnalyticsQuerySchema = z.strictObject({ from: instant.optional(), to: instant.optional() });
export type HqAnalyticsQuery = z.infer<typeof hqAnalyticsQuerySchema>;

const figuresSchema = z.object({
  transactions: int,
  sales: int,
  returns: int,
  /** Net of returns. */
  revenue_minor: int,
  /** Net tax (returns subtract) of the transactions whose tax is known. */
  tax_minor: int,
  /** Whether `revenue_minor` includes tax, as on a store's overview: null when mixed or any transaction's tax is unknown. */
  revenue_includes_tax: z.boolean().nullable(),
  /** Transactions whose tax the store did not know. */
  tax_unknown_transactions: int,
  /** Sales made to an identified customer, of all sales; null without sales. */
  identified_share: share,
  /** Live (not erased) chain customers known at the store; chain-wide, each counted once. */
  customers: int,
  /** Of those, the ones also known at another store. */
  multi_store_customers: int,
});

export const hqStoreAnalyticsSchema = z.object({
  period: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  stores: z.array(
    figuresSchema.extend({
      store_id: z.string(),
      name: z.string(),
      revoked: z.boolean(),
      /** The last change central has of the store (its sequence number). */
      cursor: int,
      last_push_at: z.string().nullable(),
      /** Seconds since the last push; null before the first. */
      lag_s: int.nullable(),
    }),
  ),
  chain: figuresSchema,
  as_of: z.string(),
});
export type HqStoreAnalytics = z.infer<typeof hqStoreAnalyticsSchema>;

/** GET /export: every profile (as GET /profiles answers them) as NDJSON or CSV, streamed. */
export const hqExportQuerySchema = z.strictObject({ format: z.enum(['ndjson', 'csv']), updated_since: instant.optional() });
export type HqExportQuery = z.infer<typeof hqExportQuerySchema>;
