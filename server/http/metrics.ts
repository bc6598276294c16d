import { statSync } from 'node:fs';
import type { MiddlewareHandler } from 'hono';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { routeOf } from './request-log.ts';

/*
 * The appliance's figures in the Prometheus text format (GET /metrics): requests by route and status with
 * their latency, the write queue, the WAL's fsyncs, scoring lag, the last sweep, the database's size and the
 * sync lag. Labels carry route patterns (`/api/v1/customers/:id`), never a value from a request: no customer
 * id, card or phone ever reaches a metric.
 */

/** Seconds; buckets from a cached lookup (≈1 ms) to a slow batch (10 s). */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10];

/** Read when scraped: what the rest of the appliance knows, each value in the unit its name says. */
export interface ObservedState {
  writeQueueDepth(): number;
  /** Seconds since the last full rescoring; null before the first. */
  scoringLagSeconds(): number | null;
  /** The last daily sweep's duration in seconds; null before the first since start. */
  sweepSeconds(): number | null;
  /** Changes the store has that central has not acknowledged; null when the store does not sync. */
  syncPushLagChanges(): number | null;
  /** Seconds since the last successful push; null when the store does not sync or never pushed. */
  syncPushLagSeconds(): number | null;
  databaseFile: string;
  /** The `store` label of the gauges. */
  storeId: string;
}

export interface StoreMetrics {
  registry: Registry;
  /** Counts and times every request (route pattern, method, status). */
  middleware: MiddlewareHandler;
  /** One WAL fsync took `seconds`. */
  fsync(seconds: number): void;
  /** Connects the scrape-time gauges to the running appliance. */
  observe(state: ObservedState): void;
}

const fileBytes = (path: string) => {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
};

export function createStoreMetrics(): StoreMetrics {
  const registry = new Registry();
  const requests = new Counter({ name: 'store_http_requests_total', help: 'HTTP requests answered, by route pattern, method and status', labelNames: ['route', 'method', 'status'], registers: [registry] });
  const latency = new Histogram({ name: 'store_http_request_duration_seconds', help: 'Time to answer, by route pattern and method', labelNames: ['route', 'method'], buckets: LATENCY_BUCKETS, registers: [registry] });
  const fsync = new Histogram({ name: 'store_wal_fsync_seconds', help: 'Time of each fdatasync of the WAL (group commit)', buckets: LATENCY_BUCKETS, registers: [registry] });
  let state: ObservedState | null = null;
  const gauge = (name: string, help: string, read: (s: ObservedState) => number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ['store'],
      registers: [registry],
      collect() {
        const v = state ? read(state) : null;
        // Not known (yet, or no sync): no sample at all, rather than a 0 that would mean something.
        this.reset();
        if (state && v !== null) this.set({ store: state.storeId }, v);
      },
    });
  gauge('store_write_queue_depth', 'Writes waiting in the write queue', (s) => s.writeQueueDepth());
  gauge('store_scoring_lag_seconds', 'Seconds since the last full rescoring', (s) => s.scoringLagSeconds());
  gauge('store_sweep_duration_seconds', 'Duration of the last daily sweep', (s) => s.sweepSeconds());
  gauge('store_database_bytes', 'Size of the SQLite database file', (s) => fileBytes(s.databaseFile));
  gauge('store_wal_bytes', 'Size of the SQLite write-ahead log', (s) => fileBytes(`${s.databaseFile}-wal`));
  gauge('store_sync_push_lag_changes', 'Changes central has not acknowledged yet', (s) => s.syncPushLagChanges());
  gauge('store_sync_push_lag_seconds', 'Seconds since the last successful push to central', (s) => s.syncPushLagSeconds());

  const middleware: MiddlewareHandler = async (c, next) => {
    const t0 = performance.now();
    await next();
    const route = routeOf(c);
    requests.inc({ route, method: c.req.method, status: String(c.res.status) });
    latency.observe({ route, method: c.req.method }, (performance.now() - t0) / 1000);
  };
  return { registry, middleware, fsync: (s) => fsync.observe(s), observe: (s) => (state = s) };
}
