import * as z from 'zod';

/**
 * What a recorded read was. `profile.read`: one customer's card (by id, by identifier, or the card answered after
 * a registration or an update); `actions.read`: the scripts for one customer; `customer.search`: one candidate
 * of a phone search; `customer.list`: one customer on a list (at-risk list, today's outreach);
 * `presence.event`: a tablet was told a customer is at a till; `audience.export`: an audience CSV.
 */
export const auditActionSchema = z.enum(['profile.read', 'actions.read', 'customer.search', 'customer.list', 'presence.event', 'audience.export']);
export type AuditAction = z.infer<typeof auditActionSchema>;

const instant = z.string().refine((s) => Number.isFinite(Date.parse(s)), 'an ISO date or date-time');

/** GET /audit: newest first; every filter optional; `cursor` is the previous page's `next_cursor`. */
export const auditQuerySchema = z.strictObject({
  customer_id: z.string().min(1).max(64).optional(),
  /** A staff id or a token id. */
  actor: z.string().min(1).max(64).optional(),
  /** Rows at or after this instant. */
  since: instant.optional(),
  /** Rows before this instant. */
  until: instant.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  /** Opaque to the caller: the id of the last row of the previous page. */
  cursor: z.string().regex(/^\d{1,15}$/, 'a next_cursor of an earlier page').optional(),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(),
  actor: z.object({ kind: z.enum(['token', 'staff']), id: z.string(), role: z.string() }),
  action: auditActionSchema,
  customer_id: z.string().nullable(),
  route: z.string(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditPageSchema = z.object({ entries: z.array(auditEntrySchema), next_cursor: z.string().nullable() });
export type AuditPage = z.infer<typeof auditPageSchema>;
