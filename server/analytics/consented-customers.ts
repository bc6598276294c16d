import type { OutboundChannel } from '../contract/enums.ts';

/*
 * SQL pieces shared by the selections that reach customers outside the store (audience export, the
 * at-risk call list), so both apply consent and liveness the same way. Each expects `customers` as `c`.
 */

/** Which identifier reaches a customer on a channel; push needs none (the app holds its own token). */
export const CONTACT_KIND: Record<OutboundChannel, 'phone' | 'email' | null> = { sms: 'phone', call: 'phone', email: 'email', push: null };

/** A live customer (not merged into another, not erased) who said yes to `channel`. */
export function consentedLive(channel: OutboundChannel): string {
  return `c.merged_into IS NULL AND c.erased_at IS NULL AND c.consent_${channel} = 1`;
}

/** The customer's most recently linked identifier of the kind bound to `kindParam` (e.g. '?1'), or NULL. */
export function latestIdentifier(kindParam: string): string {
  return `(SELECT value FROM identity_links i WHERE i.customer_id = c.id AND i.kind = ${kindParam} ORDER BY created_at DESC LIMIT 1)`;
}
