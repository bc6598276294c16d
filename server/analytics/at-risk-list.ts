import type { Database } from 'bun:sqlite';
import type { AtRiskList, AtRiskQuery } from '../contract/analytics.ts';
import { DAY_MS } from '../kernel/clock.ts';
import { isoOrNull, toMajor } from '../kernel/money.ts';
import { consentedLive, latestIdentifier } from './consented-customers.ts';

/*
 * The manager's call list: at-risk customers who consented to calls and have a phone to call, the most
 * valuable first. It is the call audience of the at-risk stage (audience-export.ts), in CLV order. Pages
 * are keyset pages on (CLV key, id), so a customer is never shown twice when the list is read page by
 * page; the CLV key is the stored CLV in minor units, -1 for a customer not scored yet (they come last).
 */

/** The list; the route adds the store currency. */
export type AtRiskPage = Omit<AtRiskList, 'currency'>;

interface Row {
  id: string;
  name: string | null;
  phone: string;
  p_purchase: number | null;
  clv: number | null;
  clv_key: number;
  last_purchase_at: number | null;
}

const CANDIDATES = `
  SELECT c.id, c.name, ${latestIdentifier("'phone'")} AS phone, s.p_purchase, s.clv, coalesce(s.clv, -1) AS clv_key, l.last_purchase_at
  FROM customer_lifecycle l JOIN customers c ON c.id = l.customer_id LEFT JOIN customer_scores s ON s.customer_id = c.id
  WHERE l.stage = 'at_risk' AND ${consentedLive('call')}`;

function parseCursor(cursor: string | undefined): { clvKey: number; id: string } | null {
  if (cursor === undefined) return null;
  const at = cursor.indexOf('_');
  return { clvKey: Number(cursor.slice(0, at)), id: cursor.slice(at + 1) };
}

const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

export function atRiskList(deps: { sqlite: Database; minorDigits: number }, query: AtRiskQuery, now: number): AtRiskPage {
  const after = parseCursor(query.cursor);
  const rows = deps.sqlite
    .query<Row, { key: number | null; id: string; limit: number }>(
      `WITH candidates AS (${CANDIDATES})
       SELECT * FROM candidates
       WHERE phone IS NOT NULL AND ($key IS NULL OR clv_key < $key OR (clv_key = $key AND id > $id))
       ORDER BY clv_key DESC, id LIMIT $limit`,
    )
    .all({ key: after?.clvKey ?? null, id: after?.id ?? '', limit: query.limit + 1 });
  const total = deps.sqlite.query<{ n: number }, []>(`WITH candidates AS (${CANDIDATES}) SELECT count(*) AS n FROM candidates WHERE phone IS NOT NULL`).get()!.n;
  const page = rows.slice(0, query.limit);
  const last = page.at(-1);
  return {
    total,
    customers: page.map((r) => ({
      id: r.id,
      name: r.name,
      phone: r.phone,
      churn_risk: r.p_purchase === null ? null : round4(1 - r.p_purchase),
      clv: r.clv === null ? null : toMajor(r.clv, deps.minorDigits),
      last_purchase_at: isoOrNull(r.last_purchase_at),
      days_since_purchase: r.last_purchase_at === null ? null : Math.floor((now - r.last_purchase_at) / DAY_MS),
    })),
    next_cursor: rows.length > query.limit && last ? `${last.clv_key}_${last.id}` : null,
    as_of: new Date(now).toISOString(),
  };
}
