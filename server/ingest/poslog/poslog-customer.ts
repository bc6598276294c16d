import { normalizeCard, normalizeEmail, normalizeOpaqueId, normalizePhone } from '../../identity/normalize-identifier.ts';
import type { IdentifierRef, TransactionInput } from '../../kernel/transaction-input.ts';
import { child, childrenNamed, childText, descendants, path, textOf, type XmlNode } from './xml-node.ts';

/*
 * Who the customer is, as far as the POS knew: `Customer/CustomerID` and `LoyaltyAccount/CustomerID` are
 * member ids, `LoyaltyAccount/LoyaltyCard` is a card; NCR ACS writes `acs:LoyaltyMembership` line items
 * whose `LoyaltyID` is what was presented (a card) and `MembershipID` the member. E-mail and phone are
 * taken when the POS recorded them. A value that does not normalize is left out (the sale itself is
 * still good). Birthday as an ISO date only when the year is known.
 */

export interface PosLogCustomer {
  refs: IdentifierRef[];
  profile: NonNullable<TransactionInput['customerProfile']> | undefined;
}

/** `containers`: the transaction, its RetailTransaction and its non-voided line items. */
export function customerOf(containers: XmlNode[], phoneRegion: string): PosLogCustomer {
  const refs = new Map<string, IdentifierRef>();
  const add = (kind: IdentifierRef['kind'], value: string | null) => {
    if (value !== null) refs.set(`${kind}:${value}`, { kind, value });
  };
  const profile: { birthday?: string; name?: string } = {};

  for (const container of containers) {
    for (const customer of childrenNamed(container, 'Customer')) {
      add('member', opaque(childText(customer, 'CustomerID')));
      for (const e of descendants(customer, 'EMailAddress', 'EmailAddress', 'EMail', 'Email')) {
        const text = textOf(e);
        if (text?.includes('@')) add('email', normalizeEmail(text));
      }
      for (const p of descendants(customer, 'FullTelephoneNumber', 'PhoneNumber')) {
        const text = textOf(p);
        if (text) add('phone', normalizePhone(text, phoneRegion));
      }
      profile.name ??= nameOf(child(customer, 'Name')) ?? undefined;
      profile.birthday ??= birthdayOf(customer) ?? undefined;
    }
    for (const account of childrenNamed(container, 'LoyaltyAccount')) {
      add('member', opaque(childText(account, 'CustomerID', 'LoyaltyAccountID')));
      for (const card of childrenNamed(account, 'LoyaltyCard')) add('card', card0(childText(card, 'PrimaryAccountNumber', 'CardNumber', 'LoyaltyCardID') ?? textOf(card)));
    }
    for (const membership of childrenNamed(container, 'LoyaltyMembership')) {
      add('card', card0(childText(membership, 'LoyaltyID')));
      add('member', opaque(childText(membership, 'MembershipID')));
    }
  }
  return { refs: [...refs.values()], profile: profile.name || profile.birthday ? profile : undefined };
}

const opaque = (v: string | null) => (v === null ? null : normalizeOpaqueId(v));
const card0 = (v: string | null) => (v === null ? null : normalizeCard(v));

function nameOf(name: XmlNode | null): string | null {
  if (!name) return null;
  const full = childText(name, 'OfficialName', 'FormattedName', 'FullName');
  if (full) return full.slice(0, 200);
  const parts = [childText(name, 'GivenName', 'FirstName'), childText(name, 'FamilyName', 'LastName', 'Surname')].filter((p): p is string => p !== null);
  if (parts.length > 0) return parts.join(' ').slice(0, 200);
  return textOf(name)?.slice(0, 200) ?? null;
}

/** `BirthDate` 1964-08-12, or POSLog V6's `BirthYear` 1964 + `BirthDayMonth` --08-12 (xs:gYear, xs:gMonthDay, maybe with a zone). */
function birthdayOf(customer: XmlNode): string | null {
  const full = /^(\d{4}-\d{2}-\d{2})/.exec(childText(customer, 'BirthDate', 'DateOfBirth') ?? '')?.[1];
  const candidate = full ?? joinYearMonthDay(childText(customer, 'BirthYear'), childText(customer, 'BirthDayMonth') ?? textOf(path(customer, 'Birthday', 'DayMonth')));
  if (!candidate) return null;
  const d = new Date(`${candidate}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== candidate ? null : candidate;
}

function joinYearMonthDay(year: string | null, monthDay: string | null): string | null {
  const y = /^(\d{4})/.exec(year ?? '')?.[1];
  const md = /^--(\d{2})-(\d{2})/.exec(monthDay ?? '');
  return y && md ? `${y}-${md[1]}-${md[2]}` : null;
}
