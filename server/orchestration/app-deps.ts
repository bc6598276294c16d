import type { WalSync } from '../db/wal-sync.ts';
import type { Authenticator } from '../auth/authenticator.ts';
import type { PresenceHub } from '../customers/presence-hub.ts';
import type { StoreDeps } from '../db/store-deps.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import type { RescoreQueue } from '../scoring/serving/rescore-queue.ts';
import type { ScoreEngine } from '../scoring/serving/score-engine.ts';
import type { ScoringDeps } from '../scoring/serving/scores.service.ts';
import type { SyncBoard } from './sync-board.ts';
import type { StoreMetrics } from '../http/metrics.ts';
import type { AuditTrail } from '../audit/audit-trail.ts';
import type { Logger } from '../kernel/log.ts';

/** Everything a route needs, passed in (never imported as module state) so tests build their own. */
export interface AppDeps extends StoreDeps {
  /** Who a bearer token is: API tokens and staff sessions. */
  auth: Authenticator;
  /** Records who read which customer's personal data (GET /api/v1/audit). */
  audit: AuditTrail;
  /** Who is at a till now, for the tablets' "now at the till" banner. */
  presence: PresenceHub;
  rules: LoyaltyRules;
  lifecycle: LifecycleRules;
  /** Makes what was committed on `sqlite` durable (see db/wal-sync.ts). */
  walSync: WalSync;
  /** The served models and what scores with them (hot-swapped; empty until `models.reload()`). */
  models: ScoreEngine;
  scoring: ScoringDeps;
  /** Customers to rescore after their transactions, off the POS path. */
  rescore: RescoreQueue;
  /** What the sync agent last did, for GET /sync/status. */
  sync: SyncBoard;
  /** The appliance's structured log (kernel/log.ts). */
  log: Logger;
  /** GET /metrics: requests, the write queue, fsyncs, scoring, sweep, database and sync figures. */
  metrics: StoreMetrics;
}
