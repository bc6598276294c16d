import type { Database } from 'bun:sqlite';
import type { CustomerActions, TodayList } from '../contract/actions.ts';
import type { OutboundChannel, Stage } from '../contract/enums.ts';
import { DAY_MS } from '../kernel/clock.ts';
import { localTime } from '../kernel/local-time.ts';
import { toMajor } from '../kernel/money.ts';

/** The outreach the list is for: occasions to contact a customer today, not suggestions made at the counter. */
const OUTREACH_TYPES = new Set(['birthday', 'membership_anniversary', 'points_expiring', 'points_expiring_sms', 'win_back']);
/** Customers looked at per list: the most valuable candidates (each costs one action evaluation). */
const MAX_CANDIDATES = 50;
const BIRTHDAY_DAYS = 7;
const EXPIRY_DAYS = 30;

interface Candidate {
  id: string;
  name: string | null;
  stage: Stage | null;
  clv: number | null;
  consent_sms: number | null;
  consent_email: number | null;
  consent_push: number | null;
  consent_call: number | null;
}

/**
 * Who may have an occasion today: a birthday within a week, points expiring within 30 days, or at risk
 * and willing to take a call. The most valuable first (CLV of the latest scoring, then 12-month revenue).
 */
function candidates(sqlite: Database, timeZone: string, now: number): Candidate[] {
  const monthDays = Array.from({ length: BIRTHDAY_DAYS + 1 }, (_, d) => localTime(timeZone, now + d * DAY_MS).date.slice(5));
  return sqlite
    .query<Candidate, [string, number, number]>(
      `WITH occasion(id) AS (
         SELECT id FROM customers WHERE substr(birthday, 6) IN (SELECT value FROM json_each(?1))
         UNION SELECT customer_id FROM customer_points WHERE balance > 0 AND next_expiry_at > ?2 AND next_expiry_at <= ?3
         UNION SELECT l.customer_id FROM customer_lifecycle l JOIN customers c ON c.id = l.customer_id WHERE l.stage = 'at_risk' AND c.consent_call = 1)
       SELECT c.id, c.name, l.stage, s.clv, c.consent_sms, c.consent_email, c.consent_push, c.consent_call
       FROM occasion o JOIN customers c ON c.id = o.id
       LEFT JOIN customer_lifecycle l ON l.customer_id = c.id LEFT JOIN customer_scores s ON s.customer_id = c.id
       WHERE c.merged_into IS NULL AND c.erased_at IS NULL
       ORDER BY coalesce(s.clv, 0) DESC, coalesce(l.revenue_12m, 0) DESC, c.id
       LIMIT ${MAX_CANDIDATES}`,
    )
    .all(JSON.stringify(monthDays), now, now + EXPIRY_DAYS * DAY_MS);
}

/**
 * Today's list for associates: each candidate's actions as the rules and guardrails give them now
 * (consent, quiet hours, contact caps, one offer per period), keeping the outreach among them.
 */
export async function todayList(
  deps: { sqlite: Database; timeZone: string; minorDigits: number; currency: string; actionsFor: (id: string) => Promise<CustomerActions> },
  now: number,
): Promise<TodayList> {
  const items: TodayList['items'] = [];
  for (const c of candidates(deps.sqlite, deps.timeZone, now)) {
    const { actions } = await deps.actionsFor(c.id);
    const consent = (['sms', 'email', 'push', 'call'] as const).filter((ch) => c[`consent_${ch}`] === 1) satisfies OutboundChannel[];
    const customer = { id: c.id, name: c.name, stage: c.stage, clv: c.clv === null ? null : toMajor(c.clv, deps.minorDigits), consent };
    for (const action of actions) if (OUTREACH_TYPES.has(action.type)) items.push({ customer, action });
  }
  return { items, currency: deps.currency, as_of: new Date(now).toISOString() };
}
