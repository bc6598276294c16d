import { createHmac } from 'node:crypto';

/*
 * Identifiers (card, phone, email, …) leave a store as keyed digests unless the chain enables PII transfer:
 * central can still tell that two stores know the same phone (equal digests under the chain's one secret),
 * but a copy of central's database does not give the numbers back without the secret.
 */

/** HMAC-SHA256 of `kind:value` (the value as the store normalized it: E.164 phone, lower-case email), base64url. */
export function identifierDigest(secret: string, kind: string, normalizedValue: string): string {
  if (secret.length < 16) throw new RangeError('the chain secret must be at least 16 characters');
  return createHmac('sha256', secret).update(`${kind}:${normalizedValue}`).digest('base64url');
}
