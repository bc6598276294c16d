import { Hono } from 'hono';
import { stream } from 'hono/streaming';
import type { StoreDeps } from '../db/store-deps.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { DAY_MS } from '../kernel/clock.ts';
import { AppError } from '../kernel/errors.ts';
import { parseOr422 } from '../http/request-body.ts';
import { storeOverview } from './analytics.service.ts';
import { atRiskQuerySchema, exportQuerySchema, type ModelHealth, overviewQuerySchema } from '../contract/analytics.ts';
import { modelHealth } from '../scoring/health/model-health.ts';
import { atRiskList } from './at-risk-list.ts';
import { AUDIENCE_CSV_HEADER, audienceCsvPages } from './audience-export.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import { recordRead } from '../audit/audit-read.ts';

export function analyticsRoutes(deps: StoreDeps & { auth: Authenticator; audit: AuditTrail }) {
  const app = new Hono<AuthEnv>();
  const analytics = requireRole(deps.auth, ACCESS.analytics);
  const manager = requireRole(deps.auth, ACCESS.store);

  app.get('/analytics/overview', analytics, (c) => {
    const q = parseOr422(overviewQuerySchema, c.req.query(), 'the query');
    const now = deps.clock();
    const to = q.to ? Date.parse(q.to) : now;
    const from = q.from ? Date.parse(q.from) : to - 365 * DAY_MS;
    if (from >= to) throw new AppError(422, 'validation_failed', 'from must be before to', [{ path: 'from', message: 'must be before to' }]);
    const figures = storeOverview({ sqlite: deps.sqlite, minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS, timeZone: deps.config.STORE_TZ }, from, to, now);
    return c.json({ ...figures, currency: deps.config.STORE_CURRENCY });
  });

  // Managers only (not hq): the list holds names and full phone numbers, for the manager to call.
  app.get('/analytics/at-risk', manager, (c) => {
    const q = parseOr422(atRiskQuerySchema, c.req.query(), 'the query');
    const list = atRiskList({ sqlite: deps.sqlite, minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS }, q, deps.clock());
    recordRead(deps.audit, c, 'customer.list', list.customers.map((x) => x.id));
    return c.json({ ...list, currency: deps.config.STORE_CURRENCY });
  });

  app.get('/analytics/models', manager, (c) => {
    const now = deps.clock();
    const iso = (ms: number) => new Date(ms).toISOString();
    const body: ModelHealth = {
      as_of: iso(now),
      snapshots: modelHealth(deps.sqlite, now).map((s) => ({
        taken_at: iso(s.takenAt),
        kind: s.kind,
        model_version: s.modelVersion,
        horizon_days: s.horizonDays,
        customers: s.customers,
        matures_at: iso(s.maturesAt),
        figures: s.figures && {
          buyers: s.figures.buyers,
          auc_p_purchase: s.figures.aucPurchase,
          auc_recency: s.figures.aucRecency,
          mae_expected_purchases: s.figures.maeExpectedPurchases,
          predicted_purchases: s.figures.predictedPurchases,
          actual_purchases: s.figures.actualPurchases,
          recall_at_10: s.figures.recallAt10,
          next_baskets: s.figures.nextBaskets,
        },
      })),
    };
    return c.json(body);
  });

  app.get('/audiences/export', manager, (c) => {
    const q = parseOr422(exportQuerySchema, c.req.query(), 'the query');
    // The filter goes into each audit row's route: which audience the customer was exported in (no personal value).
    const filter = new URLSearchParams(Object.entries(q).flatMap(([key, value]) => (value === undefined ? [] : [[key, String(value)]]))).toString();
    c.header('content-type', 'text/csv; charset=utf-8');
    c.header('content-disposition', `attachment; filename="audience-${q.channel}${q.stage ? `-${q.stage}` : ''}${q.segment ? `-${q.segment}` : ''}.csv"`);
    return stream(c, async (s) => {
      await s.write(AUDIENCE_CSV_HEADER);
      // One audit row per customer, recorded as their page is sent; the trail writes them in batches.
      for (const page of audienceCsvPages(deps.sqlite, q)) {
        await s.write(page.csv);
        recordRead(deps.audit, c, 'audience.export', page.customerIds, filter);
      }
    });
  });

  return app;
}
