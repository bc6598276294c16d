import type { Database } from 'bun:sqlite';
import type { Actor } from '../kernel/actor.ts';
import { customerOfClientId } from './client-id-replay.ts';
import { AppError } from '../kernel/errors.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { evaluateCustomerLifecycle } from '../lifecycle/lifecycle.service.ts';
import { type ProfileValues, recordCustomerEvent, tombstoneCustomerEvents } from './customer-view.ts';
import type { RegisterCustomer, UpdateCustomer } from '../contract/customer.ts';
import { canonicalCustomerId, createCustomer, findCustomerByIdentifier, linkIdentifier, unlinkIdentifier } from './identity.service.ts';
import { type CustomerRefWire, normalizeIdentifiers } from './normalize-identifier.ts';
import { tickProfileClock } from './profile-clock.ts';

/* Clerk-facing writes on a customer. Each runs inside the caller's transaction (the write queue). */

function identifiersOrThrow(body: CustomerRefWire, phoneRegion: string): IdentifierRef[] {
  const { refs, errors } = normalizeIdentifiers(body, phoneRegion);
  if (errors.length > 0) {
    throw new AppError(422, 'validation_failed', 'an identifier is not valid', errors.map((e) => ({ path: e.field, message: e.message })));
  }
  return refs;
}

const CONSENT_COLUMNS = { sms: 'consent_sms', email: 'consent_email', push: 'consent_push', call: 'consent_call' } as const;

/** A birthday after today (anywhere on Earth: UTC + 14 h) is a typing mistake: refused with the field named. */
function assertBirthdayNotFuture(birthday: string | null | undefined, now: number): void {
  if (!birthday) return;
  const latestToday = new Date(now + 14 * 3_600_000).toISOString().slice(0, 10);
  if (birthday > latestToday) throw new AppError(422, 'validation_failed', 'the birthday is in the future', [{ path: 'birthday', message: `after today (${latestToday})` }]);
}

/** The profile columns a body sets (consent as 1/0), undefined for what it leaves alone. */
function profileValues(body: UpdateCustomer): ProfileValues {
  const out: ProfileValues = {};
  if (body.name !== undefined) out.name = body.name;
  if (body.birthday !== undefined) out.birthday = body.birthday;
  if (body.gender !== undefined) out.gender = body.gender;
  for (const [channel, column] of Object.entries(CONSENT_COLUMNS)) {
    const v = body.consent?.[channel as keyof typeof CONSENT_COLUMNS];
    if (v !== undefined) out[column] = v ? 1 : 0;
  }
  return out;
}

/**
 * `{hlc}`: the store clock's timestamp of a write that sets profile fields, which makes it a last-writer-wins
 * contender across the chain (sync/profile-lww.ts); nothing for a write that sets none.
 */
function profileClockStamp(sqlite: Database, storeId: string, values: ProfileValues, now: number): { hlc?: string } {
  return Object.keys(values).length > 0 ? { hlc: tickProfileClock(sqlite, storeId, now) } : {};
}

function assertIdentifiersFree(sqlite: Database, refs: readonly IdentifierRef[], exceptCustomer: string | null): void {
  const taken = refs.filter((r) => {
    const owner = findCustomerByIdentifier(sqlite, r);
    return owner !== null && owner !== exceptCustomer;
  });
  if (taken.length > 0) {
    throw new AppError(409, 'identifier_taken', 'an identifier already belongs to another customer', taken.map((r) => ({ kind: r.kind })));
  }
}

export function registerCustomer(
  sqlite: Database,
  body: RegisterCustomer,
  ctx: { storeId: string; phoneRegion: string; now: number; lifecycle: LifecycleRules; by?: Actor },
): { id: string; replayed: boolean } {
  if (body.client_id !== undefined) {
    const first = customerOfClientId(sqlite, 'registered', body.client_id);
    if (first) return { id: liveCustomerId(sqlite, first), replayed: true };
  }
  const refs = identifiersOrThrow(body, ctx.phoneRegion);
  assertBirthdayNotFuture(body.birthday, ctx.now);
  assertIdentifiersFree(sqlite, refs, null);
  const id = createCustomer(sqlite, ctx.storeId, ctx.now, 'registration');
  for (const r of refs) linkIdentifier(sqlite, id, r, ctx.now);
  const values = profileValues(body);
  recordCustomerEvent(sqlite, id, 'registered', ctx.now, {
    values,
    ...profileClockStamp(sqlite, ctx.storeId, values, ctx.now),
    identifiers: refs.map((r) => r.kind),
    by: ctx.by ?? null,
    client_id: body.client_id ?? null,
  });
  evaluateCustomerLifecycle(sqlite, ctx.lifecycle, id, ctx.now);
  return { id, replayed: false };
}

export function liveCustomerId(sqlite: Database, rawId: string): string {
  const id = canonicalCustomerId(sqlite, rawId);
  if (!id) throw new AppError(404, 'not_found', 'no such customer');
  const row = sqlite.query<{ erased_at: number | null }, [string]>('SELECT erased_at FROM customers WHERE id = ?').get(id);
  if (row?.erased_at != null) throw new AppError(410, 'gone', 'this customer was erased');
  return id;
}

/**
 * Updates profile and consent; a given identifier replaces the customer's identifier of that kind. With a
 * client id already recorded for this customer it is a replay: nothing is written.
 */
export function updateCustomer(sqlite: Database, rawId: string, body: UpdateCustomer, ctx: { storeId: string; phoneRegion: string; now: number; by?: Actor }): string {
  const id = liveCustomerId(sqlite, rawId);
  if (body.client_id !== undefined) {
    const first = customerOfClientId(sqlite, 'profile_updated', body.client_id);
    // A merge since the first send moved that customer into a survivor: compare the live ids.
    if (first !== null && canonicalCustomerId(sqlite, first) === id) return id;
    if (first !== null) throw new AppError(422, 'validation_failed', 'this client id was used for another customer', [{ path: 'client_id', message: 'already used' }]);
  }
  const refs = identifiersOrThrow(body, ctx.phoneRegion);
  assertBirthdayNotFuture(body.birthday, ctx.now);
  assertIdentifiersFree(sqlite, refs, id);
  for (const r of refs) {
    if (findCustomerByIdentifier(sqlite, r) === id) continue;
    const replaced = sqlite
      .query<{ value: string }, [string, string]>('SELECT value FROM identity_links WHERE customer_id = ? AND kind = ?')
      .all(id, r.kind);
    for (const old of replaced) unlinkIdentifier(sqlite, id, { kind: r.kind, value: old.value }, ctx.now);
    linkIdentifier(sqlite, id, r, ctx.now);
  }
  const values = profileValues(body);
  recordCustomerEvent(sqlite, id, 'profile_updated', ctx.now, {
    fields: Object.keys(values),
    values,
    ...profileClockStamp(sqlite, ctx.storeId, values, ctx.now),
    identifiers: refs.map((r) => r.kind),
    by: ctx.by ?? null,
    client_id: body.client_id ?? null,
  });
  return id;
}

/**
 * Erasure (a fact: `erased`): personal data (name, birthday, gender, consent, every identifier) leaves the
 * view, and every personal value in the customer's events (and their aliases') becomes a null tombstone, so
 * none survives in the facts either. The customer id stays as a pseudonym on the de-identified facts
 * (transactions, points), which keep the store's figures true.
 */
export function eraseCustomer(sqlite: Database, rawId: string, now: number, by: Actor | null = null): string {
  const id = liveCustomerId(sqlite, rawId);
  recordCustomerEvent(sqlite, id, 'erased', now, { by });
  tombstoneCustomerEvents(sqlite, id);
  return id;
}

/** A POS source may know a birthday or name the profile lacks; it fills gaps and never overwrites a clerk's entry. */
export function fillProfileGaps(sqlite: Database, customerId: string, profile: { birthday?: string; name?: string }, now: number): void {
  const row = sqlite.query<{ name: string | null; birthday: string | null }, [string]>('SELECT name, birthday FROM customers WHERE id = ?').get(customerId);
  if (!row) return;
  const values: ProfileValues = {};
  if (row.name === null && profile.name) values.name = profile.name;
  if (row.birthday === null && profile.birthday) values.birthday = profile.birthday;
  if (Object.keys(values).length > 0) recordCustomerEvent(sqlite, customerId, 'profile_filled', now, { values });
}
