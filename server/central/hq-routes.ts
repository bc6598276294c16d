import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { stream } from 'hono/streaming';
import { type HqRole, hqAnalyticsQuerySchema, hqExportQuerySchema, hqProfilesQuerySchema } from '../contract/hq.ts';
import { hqOpenApiDocument } from '../contract/openapi-hq.ts';
import { parseOr422 } from '../http/request-body.ts';
import type { Config } from '../kernel/config.ts';
import { AppError } from '../kernel/errors.ts';
import { lifecycleRulesFrom } from '../lifecycle/lifecycle-rules.ts';
import type { CentralStorage } from './central-db.ts';
import { type CentralPrincipal, centralPrincipalOf } from './central-tokens.ts';
import { hqStoreAnalytics } from './hq-analytics.ts';
import { eraseGlobalCustomer } from './hq-erase.ts';
import { allProfiles, csvHeader, csvRow } from './hq-export.ts';
import { decodeCursor, encodeCursor, pageOfProfiles, profileOf } from './hq-profiles.ts';

type HqEnv = { Variables: { principal: CentralPrincipal } };

export interface HqDeps {
  config: Config;
  storage: CentralStorage;
  clock: () => number;
}

/** Headquarters' token with one of these roles: 401 without a valid one, 403 with another role. */
function requireHq(deps: HqDeps, allowed: readonly HqRole[]) {
  return createMiddleware<HqEnv>(async function requireHq(c, next) {
    const match = /^Bearer\s+(\S+)$/i.exec(c.req.header('authorization') ?? '');
    if (!match) throw new AppError(401, 'unauthorized', 'a bearer token is required');
    const principal = await centralPrincipalOf(deps.storage.db, match[1]!);
    if (!principal) throw new AppError(401, 'unauthorized', 'the token is not valid');
    if (!allowed.includes(principal.role)) throw new AppError(403, 'forbidden', `role ${principal.role} may not do this`, { allowed });
    c.set('principal', principal);
    await next();
  });
}

const instantMs = (s: string | undefined) => (s === undefined ? null : Date.parse(s));

/** /api/hq/v1: headquarters' reads (hq, admin) and erasure (admin). */
export function hqRoutes(deps: HqDeps) {
  const app = new Hono<HqEnv>();
  const db = deps.storage.db;
  const rules = lifecycleRulesFrom(deps.config);
  const read = requireHq(deps, ['hq', 'admin']);

  app.get('/openapi.json', (c) => c.json(hqOpenApiDocument()));

  app.get('/profiles', read, async (c) => {
    const q = parseOr422(hqProfilesQuerySchema, c.req.query(), 'the query');
    const page = await pageOfProfiles(db, rules, { since: instantMs(q.updated_since), after: q.cursor ? decodeCursor(q.cursor) : null, limit: q.limit }, deps.clock());
    return c.json({ items: page.items, next_cursor: page.next ? encodeCursor(page.next) : null });
  });

  app.get('/customers/:global_id', read, async (c) => {
    const profile = await profileOf(db, rules, c.req.param('global_id'), deps.clock());
    if (!profile) throw new AppError(404, 'not_found', `no global customer ${c.req.param('global_id')}`);
    if (profile.erased_at !== null) throw new AppError(410, 'gone', `global customer ${profile.global_id} was erased`);
    return c.json(profile);
  });

  app.delete('/customers/:global_id', requireHq(deps, ['admin']), async (c) => {
    const outcome = await eraseGlobalCustomer(db, c.req.param('global_id'), deps.clock());
    if (outcome.status === 'unknown') throw new AppError(404, 'not_found', `no global customer ${c.req.param('global_id')}`);
    if (outcome.status === 'already_erased') throw new AppError(410, 'gone', `global customer ${outcome.globalId} was erased already`);
    return c.json({ global_id: outcome.globalId, erased_at: new Date(outcome.erasedAt).toISOString(), store_customers_notified: outcome.notified });
  });

  app.get('/analytics/stores', read, async (c) => {
    const q = parseOr422(hqAnalyticsQuerySchema, c.req.query(), 'the query');
    return c.json(await hqStoreAnalytics(db, { from: instantMs(q.from), to: instantMs(q.to) }, deps.clock()));
  });

  app.get('/export', read, (c) => {
    const q = parseOr422(hqExportQuerySchema, c.req.query(), 'the query');
    const profiles = allProfiles(db, rules, instantMs(q.updated_since), deps.clock);
    c.header('content-type', q.format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson');
    c.header('content-disposition', `attachment; filename="profiles.${q.format}"`);
    return stream(c, async (s) => {
      if (q.format === 'csv') await s.write(csvHeader);
      for await (const p of profiles) await s.write(q.format === 'csv' ? csvRow(p) : `${JSON.stringify(p)}\n`);
    });
  });

  return app;
}
