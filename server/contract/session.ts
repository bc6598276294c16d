import * as z from 'zod';

/* Staff sign-in on a shared tablet: name + PIN → a short-lived session token for the staff member's role. */

export const STAFF_ROLES = ['clerk', 'manager'] as const;
export const staffRoleSchema = z.enum(STAFF_ROLES);
export type StaffRole = z.infer<typeof staffRoleSchema>;

export const signInSchema = z.strictObject({
  name: z.string().trim().min(1).max(80),
  /** 4–8 digits. */
  pin: z.string().regex(/^\d{4,8}$/, 'a PIN is 4 to 8 digits'),
  /** The tablet's own id (random, kept in its storage): failed attempts are also counted per device. */
  device_id: z.string().min(8).max(64).optional(),
});
export type SignIn = z.infer<typeof signInSchema>;

export const sessionSchema = z.object({
  /** Bearer token for every later call; only its hash is stored. */
  token: z.string(),
  role: staffRoleSchema,
  staff: z.object({ id: z.string(), name: z.string() }),
  /** ISO time; the session also ends after SESSION_IDLE_MINUTES without a call. */
  expires_at: z.string(),
  idle_minutes: z.number().int(),
});
export type Session = z.infer<typeof sessionSchema>;
