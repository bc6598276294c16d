import { Hono } from 'hono';
import { sessionRoutes } from '../auth/session.routes.ts';
import { presenceRoutes } from '../customers/presence.routes.ts';
import { actionRoutes } from '../actions/actions.routes.ts';
import { createActionsService } from '../actions/actions.service.ts';
import { analyticsRoutes } from '../analytics/analytics.routes.ts';
import { auditRoutes } from '../audit/audit.routes.ts';
import type { AppDeps } from '../orchestration/app-deps.ts';
import { customerRoutes } from '../customers/customers.routes.ts';
import { mergeSuggestionRoutes } from '../orchestration/merge-suggestions.routes.ts';
import type { Health } from '../contract/health.ts';
import { AppError, errorResponseBody } from '../kernel/errors.ts';
import { errorFields } from '../kernel/log.ts';
import { requestLog } from '../http/request-log.ts';
import { ingestRoutes } from '../orchestration/ingest.routes.ts';
import { posLogRoutes } from '../orchestration/poslog.routes.ts';
import { pushLag, syncRoutes } from '../orchestration/sync.routes.ts';
import { ACCESS, requireRole } from '../auth/auth.middleware.ts';
import { dbPath } from '../db/open.ts';
import { getMetric } from '../db/store-metrics.ts';
import { SWEEP_MS_METRIC } from '../orchestration/sweep-schedule.ts';
import { lastFullRescore } from '../scoring/serving/scores.service.ts';
import { openApiDocument } from '../contract/openapi.ts';
import { pwaStatic } from './pwa-static.ts';
import { storeCaCertificate } from './store-ca.route.ts';
import { isStorageFull, storageFullError } from '../db/storage-full.ts';

/** Connects /metrics' scrape-time figures to this appliance. */
function observeAppliance(deps: AppDeps): void {
  const syncing = Boolean(deps.config.CENTRAL_URL && deps.config.SYNC_TOKEN);
  deps.metrics.observe({
    writeQueueDepth: () => deps.writes.depth(),
    scoringLagSeconds: () => {
      const last = lastFullRescore(deps.sqlite);
      return last ? (deps.clock() - last.at) / 1000 : null;
    },
    sweepSeconds: () => {
      const ms = getMetric<number>(deps.sqlite, SWEEP_MS_METRIC);
      return ms === null ? null : ms / 1000;
    },
    syncPushLagChanges: () => (syncing ? pushLag(deps).changes : null),
    syncPushLagSeconds: () => (syncing ? pushLag(deps).seconds : null),
    databaseFile: dbPath(deps.config.DATA_DIR),
    storeId: deps.config.STORE_ID,
  });
}

/** Composes the HTTP app. Knows only Web Request/Response; Bun specifics live in main.ts. */
export function createApp(deps: AppDeps) {
  const app = new Hono();

  app.onError((err, c) => {
    if (err instanceof AppError) return c.json(errorResponseBody(err.code, err.message, err.details), err.status);
    // A write outside the write queue (a session's touch, a token's last use) on a full disk.
    if (isStorageFull(err)) {
      const full = storageFullError(err);
      return c.json(errorResponseBody(full.code, full.message, full.details), full.status);
    }
    // An unexpected error's message may quote the request (a phone, a card): logged by class and code.
    deps.log.error('http.unhandled_error', errorFields(err, { message: false }));
    return c.json(errorResponseBody('internal', 'unexpected error'), 500);
  });
  app.notFound((c) => c.json(errorResponseBody('not_found', `no route ${c.req.method} ${c.req.path}`), 404));
  // First: every later middleware, handler and the error handler run inside the request's context (its id).
  app.use('*', requestLog(deps.log));
  app.use('*', deps.metrics.middleware);
  observeAppliance(deps);
  // Prometheus text format, for a manager's token or a `metrics` token (a scraper's, which reads nothing else).
  app.get('/metrics', requireRole(deps.auth, ACCESS.metrics), async (c) => {
    c.header('content-type', deps.metrics.registry.contentType);
    return c.body(await deps.metrics.registry.metrics());
  });

  app.get('/health', (c) => {
    deps.sqlite.query('SELECT 1').get();
    return c.json({ status: 'ok', store_id: deps.config.STORE_ID, time: new Date(deps.clock()).toISOString() } satisfies Health);
  });

  // Liveness without touching the database: load balancers, and the ingest benchmark's ceiling.
  app.get('/livez', (c) => c.text('ok'));

  app.get('/store-ca.crt', storeCaCertificate(deps.config.DATA_DIR));

  const openapi = openApiDocument(deps.config.STORE_NAME);
  app.get('/api/v1/openapi.json', (c) => c.json(openapi));
  app.route('/api/v1', sessionRoutes(deps));
  app.route('/api/v1', presenceRoutes(deps));
  app.route('/api/v1', ingestRoutes(deps));
  app.route('/api/v1', posLogRoutes(deps));
  const actions = createActionsService(deps);
  app.route('/api/v1', customerRoutes(deps, actions));
  app.route('/api/v1', mergeSuggestionRoutes(deps));
  app.route('/api/v1', actionRoutes(deps, actions));
  app.route('/api/v1', analyticsRoutes(deps));
  app.route('/api/v1', syncRoutes(deps));
  app.route('/api/v1', auditRoutes(deps));
  app.use('*', pwaStatic({ lang: deps.config.STORE_LOCALE }));
  return app;
}

export type App = ReturnType<typeof createApp>;
