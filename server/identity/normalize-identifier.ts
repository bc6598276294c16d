import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';
import type { IdentifierRef } from '../kernel/transaction-input.ts';

/**
 * Identifiers are stored normalized so that the same person typed two ways is one key:
 * card and member/external ids trimmed with inner spaces and dashes removed (cards) and case kept
 * (member ids) ; phones in E.164; emails lower-cased. Each function returns null when the input
 * cannot be an identifier of that kind.
 */

export function normalizeCard(raw: string): string | null {
  const v = raw.replace(/[\s-]/g, '');
  return /^[A-Za-z0-9]{4,64}$/.test(v) ? v.toUpperCase() : null;
}

export function normalizePhone(raw: string, defaultRegion: string): string | null {
  const trimmed = raw.trim().replace(/^00/, '+');
  const phone = parsePhoneNumberFromString(trimmed, defaultRegion as CountryCode);
  if (!phone || !phone.isPossible()) return null;
  return phone.number;
}

export function normalizeEmail(raw: string): string | null {
  const v = raw.trim().toLowerCase();
  // Deliberately loose: one @, something on each side, a dot in the domain, no spaces.
  return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v) && v.length <= 254 ? v : null;
}

export function normalizeOpaqueId(raw: string): string | null {
  const v = raw.trim();
  return v.length >= 1 && v.length <= 128 && !/[\u0000-\u001f]/.test(v) ? v : null;
}

export interface CustomerRefWire {
  loyalty_card?: string | undefined;
  phone?: string | undefined;
  email?: string | undefined;
  member_id?: string | undefined;
  external_id?: string | undefined;
}

/** Normalizes every identifier given; returns the refs and, per bad field, why it was refused. */
export function normalizeIdentifiers(
  ref: CustomerRefWire,
  phoneRegion: string,
): { refs: IdentifierRef[]; errors: Array<{ field: keyof CustomerRefWire; message: string }> } {
  const refs: IdentifierRef[] = [];
  const errors: Array<{ field: keyof CustomerRefWire; message: string }> = [];
  const add = (field: keyof CustomerRefWire, kind: IdentifierRef['kind'], value: string | null, what: string) => {
    if (value === null) errors.push({ field, message: `not a valid ${what}` });
    else refs.push({ kind, value });
  };
  if (ref.loyalty_card !== undefined) add('loyalty_card', 'card', normalizeCard(ref.loyalty_card), 'loyalty card number (4-64 letters or digits)');
  if (ref.phone !== undefined) add('phone', 'phone', normalizePhone(ref.phone, phoneRegion), 'phone number');
  if (ref.email !== undefined) add('email', 'email', normalizeEmail(ref.email), 'email address');
  if (ref.member_id !== undefined) add('member_id', 'member', normalizeOpaqueId(ref.member_id), 'member id');
  if (ref.external_id !== undefined) add('external_id', 'external', normalizeOpaqueId(ref.external_id), 'external id');
  return { refs, errors };
}

/** For display: keep enough to recognise, hide the rest. */
export function maskIdentifier(kind: IdentifierRef['kind'], value: string): string {
  if (kind === 'email') {
    const [user = '', domain = ''] = value.split('@');
    return `${user.slice(0, 1)}***@${domain}`;
  }
  if (value.length <= 4) return '*'.repeat(value.length);
  const keep = kind === 'phone' ? 4 : 4;
  return `${value.slice(0, kind === 'phone' ? 3 : 0)}${'*'.repeat(Math.max(3, value.length - keep - (kind === 'phone' ? 3 : 0)))}${value.slice(-keep)}`;
}
