import { DAY_MS } from '../kernel/clock.ts';
import type { Database } from 'bun:sqlite';
import type { StoreDeps } from '../db/store-deps.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import type { Actor } from '../kernel/actor.ts';
import { AppError } from '../kernel/errors.ts';
import { recordCustomerEvent } from '../identity/customer-view.ts';
import { liveCustomerId } from '../identity/customer-write.service.ts';
import { newId } from '../kernel/ids.ts';
import type { ActionView, CustomerActions, OutcomeInput, OutcomeResult, SuggestedItem } from '../contract/actions.ts';
import type { ActionStatus, Channel, Stage } from '../contract/enums.ts';
import type { PointsOf } from '../loyalty/loyalty.service.ts';
import { isoOrNull } from '../kernel/money.ts';
import { localTime } from '../kernel/local-time.ts';
import { ACTION_CATALOG } from './action-catalog.ts';
import { getMetric } from '../db/store-metrics.ts';
import { buildActionContext, itemNeighbors, newInCategory, POPULAR_ITEMS_METRIC, popularItems } from './action-context.ts';
import type { ActionCandidate, ActionContext } from './action-types.ts';
import { applyGuardrails, type GuardrailState, parseQuietHours } from './guardrails.ts';

interface ActionRow {
  id: string;
  type: string;
  channel: Channel;
  offer_kind: string | null;
  created_at: number;
  expires_at: number;
  priority: number;
  script: string;
  reason: string;
  offer: string | null;
  items: string;
  status: ActionStatus;
}

const POPULAR_TTL_MS = 3_600_000;
const NOT_NOW_MS = DAY_MS;

/** The catalog's candidates for this context, before guardrails. Pure. */
export function proposeActions(ctx: ActionContext): Array<ActionCandidate & { needsItems?: boolean }> {
  const out: Array<ActionCandidate & { needsItems?: boolean }> = [];
  for (const rule of ACTION_CATALOG) {
    if (rule.stages !== 'any' && !rule.stages.includes(ctx.stage as Stage)) continue;
    const built = rule.build(ctx);
    if (!built) continue;
    out.push({
      type: rule.type,
      channel: rule.channel,
      priority: Math.round(rule.basePriority * (rule.stageBoost?.[ctx.stage] ?? 1)),
      offer: rule.offer ?? null,
      expiresInDays: rule.expiresInDays,
      script: built.script,
      reason: built.reason,
      items: built.items ?? [],
      needsItems: rule.needsItems ?? false,
    });
  }
  return out;
}

function view(r: ActionRow): ActionView {
  const offer = r.offer ? (JSON.parse(r.offer) as { code: string; description: string }) : null;
  return {
    id: r.id,
    type: r.type,
    channel: r.channel,
    priority: r.priority,
    script: r.script,
    reason: r.reason,
    offer,
    items: JSON.parse(r.items) as SuggestedItem[],
    created_at: isoOrNull(r.created_at),
    expires_at: isoOrNull(r.expires_at),
    status: r.status,
  };
}

/** A value recomputed at most once per `ttlMs` of the clock (and again whenever the clock goes back). */
function refreshedEvery<T>(clock: () => number, ttlMs: number, compute: (now: number) => T): () => T {
  let cached: { at: number; value: T } | null = null;
  return () => {
    const now = clock();
    if (!cached || now - cached.at > ttlMs || now < cached.at) cached = { at: now, value: compute(now) };
    return cached.value;
  };
}

/** Values by key, each computed on first use; all of them forgotten together every `ttlMs` (as refreshedEvery). */
function refreshedPerKey<T>(clock: () => number, ttlMs: number, compute: (key: string) => T): (key: string) => T {
  const current = refreshedEvery(clock, ttlMs, () => new Map<string, T>());
  return (key) => {
    const byKey = current();
    let value = byKey.get(key);
    if (value === undefined) byKey.set(key, (value = compute(key)));
    return value;
  };
}

export function createActionsService(deps: StoreDeps & { rules: LoyaltyRules }) {
  const { sqlite, config } = deps;
  // The sweep's daily list; computed here only before the first sweep of a new store.
  const cachedPopular = refreshedEvery(deps.clock, POPULAR_TTL_MS, (now) => getMetric<SuggestedItem[]>(sqlite, POPULAR_ITEMS_METRIC) ?? popularItems(sqlite, now));
  // Store-wide per category or item and slow to change: kept for the same hour as the popular items.
  const cachedNewInCategory = refreshedPerKey(deps.clock, POPULAR_TTL_MS, (category) => newInCategory(sqlite, category, deps.clock()));
  const cachedNeighbors = refreshedPerKey(deps.clock, POPULAR_TTL_MS, (sku) => itemNeighbors(sqlite, sku));
  const quietHours = parseQuietHours(config.ACTIONS_QUIET_HOURS);

  function guardrailState(ctx: ActionContext, now: number): GuardrailState {
    const id = ctx.customer.id;
    const contacts = sqlite
      .query<{ channel: Channel; n: number }, [string, number]>(
        "SELECT channel, count(*) AS n FROM actions WHERE customer_id = ? AND status = 'done' AND outcome_at > ? GROUP BY channel",
      )
      .all(id, now - 7 * DAY_MS);
    const offers = sqlite
      .query<{ offer_kind: string; at: number }, [string]>(
        "SELECT offer_kind, max(outcome_at) AS at FROM actions WHERE customer_id = ? AND status IN ('done', 'declined') AND offer_kind IS NOT NULL GROUP BY offer_kind",
      )
      .all(id);
    const putOff = sqlite
      .query<{ type: string }, [string, number]>("SELECT DISTINCT type FROM actions WHERE customer_id = ? AND status = 'not_now' AND outcome_at > ?")
      .all(id, now - NOT_NOW_MS);
    return {
      now,
      localMinuteOfDay: localTime(config.STORE_TZ, now).minuteOfDay,
      quietHours,
      contactCapPerWeek: config.ACTIONS_CONTACT_CAP_PER_WEEK,
      consent: ctx.customer.consent,
      contactsThisWeek: Object.fromEntries(contacts.map((c) => [c.channel, c.n])),
      lastOfferAt: new Map(offers.map((o) => [o.offer_kind, o.at])),
      putOff: new Set(putOff.map((p) => p.type)),
      returnedSkus: ctx.returnedSkus,
    };
  }

  /**
   * The ranked actions for a customer now. Shown actions are persisted (so outcomes can be posted and
   * caps counted); an open action of the same type is reused, so repeated lookups do not multiply them.
   */
  async function actionsFor(
    rawId: string,
    opts: { pointsOf?: PointsOf } = {},
  ): Promise<CustomerActions> {
    const now = deps.clock();
    const id = liveCustomerId(sqlite, rawId);
    const ctx = buildActionContext(
      { sqlite, config, rules: deps.rules, popularItems: cachedPopular, newInCategory: cachedNewInCategory, neighborsOf: cachedNeighbors, pointsOf: opts.pointsOf },
      id,
      now,
    );
    const { kept, suppressed } = applyGuardrails(proposeActions(ctx), guardrailState(ctx, now));
    const openRows = () =>
      sqlite.query<ActionRow, [string, number]>("SELECT * FROM actions WHERE customer_id = ? AND status = 'open' AND expires_at > ?").all(id, now);
    const open = openRows();
    const fresh = kept.filter((c) => !open.some((o) => o.type === c.type));
    const stale = open.filter((o) => !kept.some((c) => c.type === o.type));
    if (fresh.length > 0 || stale.length > 0) {
      // Shown actions are derived (recomputed on the next look if lost): no need to wait for the fsync.
      await deps.writes.runDerived(() => {
        for (const o of stale) sqlite.query("UPDATE actions SET status = 'expired' WHERE id = ? AND status = 'open'").run(o.id);
        for (const c of fresh) {
          sqlite
            .query(
              `INSERT INTO actions (id, customer_id, type, channel, offer_kind, created_at, expires_at, priority, script, reason, offer, items, status)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open')`,
            )
            .run(newId(now), id, c.type, c.channel, c.offer?.kind ?? null, now, now + c.expiresInDays * DAY_MS, c.priority, c.script, c.reason,
              c.offer ? JSON.stringify({ code: c.offer.code, description: c.offer.description }) : null, JSON.stringify(c.items));
        }
      });
    }
    const byType = new Map(openRows().map((r) => [r.type, r]));
    const actions = kept.flatMap((c) => {
      const row = byType.get(c.type);
      // The stored action keeps its id; its wording follows the customer's situation now.
      return row ? [{ ...view(row), priority: c.priority, script: c.script, reason: c.reason, items: c.items }] : [];
    });
    return { actions, suppressed };
  }

  async function recordOutcome(actionId: string, body: OutcomeInput, by: Actor | null = null): Promise<OutcomeResult> {
    return deps.writes.run((): OutcomeResult => {
      const now = deps.clock();
      const row = sqlite.query<{ customer_id: string; status: ActionStatus; type: string }, [string]>('SELECT customer_id, status, type FROM actions WHERE id = ?').get(actionId);
      if (!row) throw new AppError(404, 'not_found', 'no such action');
      if (row.status === body.outcome) return { id: actionId, status: row.status, replayed: true };
      if (row.status !== 'open') throw new AppError(409, 'conflict', `the action is already ${row.status}`, { status: row.status });
      sqlite
        .query('UPDATE actions SET status = ?, outcome_at = ?, survey_answer = ?, note = ? WHERE id = ?')
        .run(body.outcome, now, body.survey_answer ?? null, body.note ?? null, actionId);
      // The outcome is the fact (the row above is the derived view of shown actions): survey answer and note
      // travel with it, and an erasure turns them into tombstones.
      recordCustomerEvent(sqlite, row.customer_id, 'action_outcome', now, {
        action_id: actionId,
        type: row.type,
        outcome: body.outcome,
        survey_answer: body.survey_answer ?? null,
        note: body.note ?? null,
        by,
      });
      return { id: actionId, status: body.outcome, replayed: false };
    });
  }

  return { actionsFor, recordOutcome };
}

export type ActionsService = ReturnType<typeof createActionsService>;

/**
 * Conversion: the customer's purchase within the attribution window after an action was done marks that
 * action converted with the purchase's revenue (each action converts once, by its first purchase).
 */
export function attributeConversion(
  sqlite: Database,
  customerId: string,
  txId: string,
  occurredAt: number,
  total: number,
  windowMs: number,
): void {
  sqlite
    .query(
      `UPDATE actions SET converted_tx_id = ?, converted_at = ?, revenue = ?
       WHERE customer_id = ? AND status = 'done' AND converted_tx_id IS NULL AND outcome_at <= ? AND outcome_at > ?`,
    )
    .run(txId, occurredAt, total, customerId, occurredAt, occurredAt - windowMs);
}

/** A merge: the loser's shown actions (and their outcomes) now belong to the survivor. */
export function moveActions(sqlite: Database, from: string, to: string): void {
  sqlite.query('UPDATE actions SET customer_id = ? WHERE customer_id = ?').run(to, from);
}

/**
 * An erasure: the customer's shown actions keep their type, channel, outcome and conversion (the store's
 * figures) but lose what was personal: the script (it may quote a name), the survey answer and the note.
 */
export function forgetActionDetails(sqlite: Database, customerId: string): void {
  sqlite.query("UPDATE actions SET script = '', survey_answer = NULL, note = NULL WHERE customer_id = ?").run(customerId);
}

/** The daily sweep: open actions past their expiry. Returns how many. */
export function expireActions(sqlite: Database, now: number): number {
  return sqlite.query("UPDATE actions SET status = 'expired' WHERE status = 'open' AND expires_at <= ?").run(now).changes;
}
