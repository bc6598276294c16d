import * as z from 'zod';
import { genderSchema } from './enums.ts';

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'YYYY-MM-DD')
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().startsWith(d) && d >= '1900-01-01';
  }, 'not a real date');

const consentSchema = z.strictObject({
  sms: z.boolean().optional(),
  email: z.boolean().optional(),
  push: z.boolean().optional(),
  call: z.boolean().optional(),
});

const identifierFields = {
  loyalty_card: z.string().trim().min(1).max(64).optional(),
  phone: z.string().trim().min(1).max(32).optional(),
  email: z.string().trim().min(1).max(254).optional(),
  member_id: z.string().trim().min(1).max(64).optional(),
  external_id: z.string().trim().min(1).max(128).optional(),
};

const profileFields = {
  name: z.string().trim().min(1).max(200).nullable().optional(),
  birthday: isoDate.nullable().optional(),
  gender: genderSchema.nullable().optional(),
  consent: consentSchema.optional(),
};

/**
 * The tablet's own id for one write (made when the form was filled in, kept while it waits offline): the same
 * write sent again with it is recognised as a replay and changes nothing.
 */
export const clientIdSchema = z.string().regex(/^[\w-]{8,64}$/, '8 to 64 letters, digits, - or _');

const hasIdentifier = (c: Record<string, unknown>) => Object.keys(identifierFields).some((k) => c[k] !== undefined);

export const registerCustomerSchema = z
  .strictObject({
    ...identifierFields,
    ...profileFields,
    /** Sent again, it answers the customer it registered the first time (200) instead of a second one. */
    client_id: clientIdSchema.optional(),
  })
  .refine(hasIdentifier, { message: 'at least one of loyalty_card, phone, email, member_id, external_id is required' });

export const updateCustomerSchema = z.strictObject({
  ...identifierFields,
  ...profileFields,
  /** Sent again (to the same customer), it answers the customer as it is now and records nothing more. */
  client_id: clientIdSchema.optional(),
});

export type RegisterCustomer = z.infer<typeof registerCustomerSchema>;
export type UpdateCustomer = z.infer<typeof updateCustomerSchema>;

export const lookupQuerySchema = z
  .strictObject({
    card: z.string().min(1).max(64).optional(),
    phone: z.string().min(1).max(32).optional(),
    email: z.string().min(1).max(254).optional(),
    member_id: z.string().min(1).max(64).optional(),
  })
  .refine((q) => Object.values(q).some((v) => v !== undefined), { message: 'give one of card, phone, email, member_id' });
export type LookupQuery = z.infer<typeof lookupQuerySchema>;

/** GET /customers/search: a phone's last four digits, when the customer has no card with them. */
export const phoneSearchQuerySchema = z.strictObject({ phone_last4: z.string().regex(/^\d{4}$/, 'four digits') });

/** At most 10 candidates, masked: the clerk asks the customer which one they are, then opens that card. */
export const phoneCandidatesSchema = z.object({
  candidates: z.array(
    z.object({
      id: z.string(),
      /** First character, the rest hidden. */
      name: z.string().nullable(),
      phone: z.string(),
      last_purchase_at: z.string().nullable(),
    }),
  ),
  /** More customers match than are listed: ask for the card or the whole number. */
  truncated: z.boolean(),
});
export type PhoneCandidates = z.infer<typeof phoneCandidatesSchema>;

/** DELETE /customers/:id: the personal data is gone, the de-identified facts stay. */
export const erasedCustomerSchema = z.object({ id: z.string(), erased: z.literal(true) });
export type ErasedCustomer = z.infer<typeof erasedCustomerSchema>;
