import type { Database } from 'bun:sqlite';
import { AppError } from '../kernel/errors.ts';
import type { IdentifierRef } from '../kernel/transaction-input.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { evaluateCustomerLifecycle } from '../lifecycle/lifecycle.service.ts';
import { recordEvent } from './customer-events.ts';
import type { RegisterCustomer, UpdateCustomer } from '../contract/customer.ts';
import { canonicalCustomerId, createCustomer, findCustomerByIdentifier, linkIdentifier } from './identity.service.ts';
import { type CustomerRefWire, normalizeIdentifiers } from './normalize-identifier.ts';

/* Clerk-facing writes on a customer. Each runs inside the caller's transaction (the write queue). */

function identifiersOrThrow(body: CustomerRefWire, phoneRegion: string): IdentifierRef[] {
  const { refs, errors } = normalizeIdentifiers(body, phoneRegion);
  if (errors.length > 0) {
    throw new AppError(422, 'validation_failed', 'an identifier is not valid', errors.map((e) => ({ path: e.field, message: e.message })));
  }
  return refs;
}

const CONSENT_COLUMNS = { sms: 'consent_sms', email: 'consent_email', push: 'consent_push', call: 'consent_call' } as const;

function profileAssignments(body: UpdateCustomer): Array<[string, string | number | null]> {
  const out: Array<[string, string | number | null]> = [];
  if (body.name !== undefined) out.push(['name', body.name]);
  if (body.birthday !== undefined) out.push(['birthday', body.birthday]);
  if (body.gender !== undefined) out.push(['gender', body.gender]);
  for (const [channel, column] of Object.entries(CONSENT_COLUMNS)) {
    const v = body.consent?.[channel as keyof typeof CONSENT_COLUMNS];
    if (v !== undefined) out.push([column, v ? 1 : 0]);
  }
  return out;
}

function applyAssignments(sqlite: Database, id: string, assignments: Array<[string, string | number | null]>, now: number): void {
  if (assignments.length === 0) return;
  sqlite
    .query(`UPDATE customers SET ${assignments.map(([c]) => `${c} = ?`).join(', ')}, updated_at = ? WHERE id = ?`)
    .run(...assignments.map(([, v]) => v), now, id);
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
  ctx: { storeId: string; phoneRegion: string; now: number; lifecycle: LifecycleRules },
): string {
  const refs = identifiersOrThrow(body, ctx.phoneRegion);
  assertIdentifiersFree(sqlite, refs, null);
  const id = createCustomer(sqlite, ctx.storeId, ctx.now, 'registration');
  applyAssignments(sqlite, id, [...profileAssignments(body), ['registered_at', ctx.now]], ctx.now);
  for (const r of refs) linkIdentifier(sqlite, id, r, ctx.now);
  recordEvent(sqlite, id, 'registered', ctx.now, { identifiers: refs.map((r) => r.kind), consent: body.consent ?? {} });
  evaluateCustomerLifecycle(sqlite, ctx.lifecycle, id, ctx.now);
  return id;
}

export function liveCustomerId(sqlite: Database, rawId: string): string {
  const id = canonicalCustomerId(sqlite, rawId);
  if (!id) throw new AppError(404, 'not_found', 'no such customer');
  const row = sqlite.query<{ erased_at: number | null }, [string]>('SELECT erased_at FROM customers WHERE id = ?').get(id);
  if (row?.erased_at != null) throw new AppError(410, 'gone', 'this customer was erased');
  return id;
}

/** Updates profile and consent; a given identifier replaces the customer's identifier of that kind. */
export function updateCustomer(sqlite: Database, rawId: string, body: UpdateCustomer, ctx: { phoneRegion: string; now: number }): string {
  const id = liveCustomerId(sqlite, rawId);
  const refs = identifiersOrThrow(body, ctx.phoneRegion);
  assertIdentifiersFree(sqlite, refs, id);
  for (const r of refs) {
    if (findCustomerByIdentifier(sqlite, r) === id) continue;
    sqlite.query('DELETE FROM identity_links WHERE customer_id = ? AND kind = ?').run(id, r.kind);
    linkIdentifier(sqlite, id, r, ctx.now);
  }
  const assignments = profileAssignments(body);
  applyAssignments(sqlite, id, assignments, ctx.now);
  recordEvent(sqlite, id, 'profile_updated', ctx.now, {
    fields: assignments.map(([c]) => c),
    identifiers: refs.map((r) => r.kind),
  });
  return id;
}

/**
 * Erasure: personal data (name, birthday, gender, consent, every identifier) is removed; the customer id
 * stays as a pseudonym on the de-identified facts (transactions, points), which keep the store's
 * figures true. Aliases merged into this customer are erased with it.
 */
export function eraseCustomer(sqlite: Database, rawId: string, now: number): string {
  const id = liveCustomerId(sqlite, rawId);
  sqlite.query('DELETE FROM identity_links WHERE customer_id = ?').run(id);
  sqlite
    .query(
      `UPDATE customers SET name = NULL, birthday = NULL, gender = NULL, consent_sms = NULL, consent_email = NULL,
         consent_push = NULL, consent_call = NULL, erased_at = ?, updated_at = ? WHERE id = ? OR merged_into = ?`,
    )
    .run(now, now, id, id);
  recordEvent(sqlite, id, 'erased', now, {});
  return id;
}
