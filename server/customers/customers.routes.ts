import { type Context, Hono } from 'hono';
import { type ActionsService, forgetActionDetails } from '../actions/actions.service.ts';
import type { StoreDeps } from '../db/store-deps.ts';
import { truncateWalAfterErasure } from '../db/wal-scrub.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { actorOf } from '../auth/token.service.ts';
import { AppError } from '../kernel/errors.ts';
import { createRateLimiter, spendOr429 } from '../http/rate-limit.ts';
import { limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { type ErasedCustomer, lookupQuerySchema, phoneSearchQuerySchema, registerCustomerSchema, updateCustomerSchema } from '../contract/customer.ts';
import type { FieldIssue } from '../contract/errors.ts';
import type { CustomerCard } from '../contract/profile.ts';
import { eraseCustomer, registerCustomer, updateCustomer } from '../identity/customer-write.service.ts';
import { findCustomerByIdentifier } from '../identity/identity.service.ts';
import { normalizeIdentifiers } from '../identity/normalize-identifier.ts';
import { pointsOnce } from '../loyalty/loyalty.service.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { recordRead } from '../audit/audit-read.ts';
import { phoneCandidates } from './phone-candidates.ts';
import { getProfile } from './profile.service.ts';

export function customerRoutes(deps: StoreDeps & { auth: Authenticator; audit: AuditTrail; rules: LoyaltyRules; lifecycle: LifecycleRules }, actions: ActionsService) {
  const app = new Hono<AuthEnv>();
  const clerk = requireRole(deps.auth, ACCESS.customers);
  const manager = requireRole(deps.auth, ACCESS.store);
  const profileDeps = {
    sqlite: deps.sqlite,
    rules: deps.rules,
    minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS,
    currency: deps.config.STORE_CURRENCY,
    returnBlockDays: deps.config.ACTIONS_RETURN_BLOCK_DAYS,
  };
  /** The profile with what to do now: the associate's whole card in one answer, recorded as read by the caller. */
  const profile = async (c: Context<AuthEnv>, id: string): Promise<CustomerCard> => {
    const pointsOf = pointsOnce(deps.sqlite, deps.rules);
    const p = getProfile({ ...profileDeps, pointsOf }, id, deps.clock());
    const card = { ...p, actions: (await actions.actionsFor(p.id, { pointsOf })).actions };
    recordRead(deps.audit, c, 'profile.read', [card.id]);
    return card;
  };
  const body = limitBody(deps.config.MAX_BODY_BYTES);
  const phoneRegion = deps.config.STORE_PHONE_REGION;

  // Per credential (a staff member's session, or a token): reading profiles one after another is fine, walking
  // through card numbers is not.
  const profileReads = createRateLimiter({ limit: deps.config.PROFILE_READS_PER_MINUTE, windowMs: 60_000, clock: deps.clock });
  const spendProfileRead = (c: Context<AuthEnv>) => spendOr429(profileReads, c.get('principal').tokenId, c, 'too many customer lookups for one credential: wait a moment');

  app.get('/customers/lookup', clerk, async (c) => {
    const q = parseOr422(lookupQuerySchema, c.req.query(), 'the lookup');
    spendProfileRead(c);
    const { refs, errors } = normalizeIdentifiers(
      { loyalty_card: q.card, phone: q.phone, email: q.email, member_id: q.member_id },
      phoneRegion,
    );
    if (errors.length > 0) {
      const param = (field: string) => (field === 'loyalty_card' ? 'card' : field);
      throw new AppError(422, 'validation_failed', 'the lookup is not valid', errors.map((e) => ({ path: param(e.field), message: e.message })) satisfies FieldIssue[]);
    }
    for (const ref of refs) {
      const id = findCustomerByIdentifier(deps.sqlite, ref);
      if (id) return c.json(await profile(c, id));
    }
    throw new AppError(404, 'not_found', 'no customer with that identifier');
  });

  const phoneSearches = createRateLimiter({ limit: deps.config.PHONE_SEARCH_PER_MINUTE, windowMs: 60_000, clock: deps.clock });
  app.get('/customers/search', clerk, (c) => {
    const q = parseOr422(phoneSearchQuerySchema, c.req.query(), 'the search');
    spendOr429(phoneSearches, c.get('principal').tokenId, c, 'too many phone searches: ask for the card or the whole number');
    const found = phoneCandidates(deps.sqlite, q.phone_last4);
    recordRead(deps.audit, c, 'customer.search', found.candidates.map((x) => x.id));
    return c.json(found);
  });

  app.get('/customers/:id', clerk, async (c) => {
    spendProfileRead(c);
    return c.json(await profile(c, c.req.param('id')));
  });

  app.post('/customers', clerk, body, async (c) => {
    const input = parseOr422(registerCustomerSchema, await readJson(c), 'the customer');
    const { id, replayed } = await deps.writes.run(() =>
      registerCustomer(deps.sqlite, input, { storeId: deps.config.STORE_ID, phoneRegion, now: deps.clock(), lifecycle: deps.lifecycle, by: actorOf(c.get('principal')) }),
    );
    return c.json(await profile(c, id), replayed ? 200 : 201);
  });

  app.patch('/customers/:id', clerk, body, async (c) => {
    const input = parseOr422(updateCustomerSchema, await readJson(c), 'the update');
    const id = await deps.writes.run(() => updateCustomer(deps.sqlite, c.req.param('id'), input, { storeId: deps.config.STORE_ID, phoneRegion, now: deps.clock(), by: actorOf(c.get('principal')) }));
    return c.json(await profile(c, id));
  });

  app.delete('/customers/:id', manager, async (c) => {
    const id = await deps.writes.run(() => {
      const erased = eraseCustomer(deps.sqlite, c.req.param('id'), deps.clock(), actorOf(c.get('principal')));
      forgetActionDetails(deps.sqlite, erased);
      return erased;
    });
    // Answered once the erased values are gone from the WAL too, not only from the tables.
    await truncateWalAfterErasure(deps.sqlite);
    return c.json({ id, erased: true } satisfies ErasedCustomer);
  });

  return app;
}
