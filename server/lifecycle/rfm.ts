import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../clock.ts';

/*
 * RFM: recency, frequency and monetary value over the last 12 months, each scored 1–5 by percentile
 * (ties share a score, so the many one-time buyers are not split at random), and the classic segment
 * grid on R × F. Customers without a purchase in 12 months get no scores and the segment `lost`.
 */

export const SEGMENTS = ['champions', 'loyal', 'promising', 'needs_attention', 'cant_lose', 'at_risk', 'hibernating', 'lost'] as const;

const SCORE = (col: string) => `min(5, 1 + CAST(5 * percent_rank() OVER (ORDER BY ${col}) AS INTEGER))`;

export function scoreRfm(sqlite: Database, now: number): { scored: number } {
  const fromMonth = new Date(now - 365 * DAY_MS).toISOString().slice(0, 7);
  sqlite.run("UPDATE customer_lifecycle SET r_score = NULL, f_score = NULL, m_score = NULL, revenue_12m = NULL, segment = CASE WHEN purchase_count > 0 THEN 'lost' END");
  const res = sqlite
    .query(
      `WITH year AS (
         SELECT m.customer_id, l.last_purchase_at AS r, sum(m.sales) AS f, sum(m.revenue) AS m
         FROM customer_months m JOIN customer_lifecycle l ON l.customer_id = m.customer_id
         WHERE m.month >= ? AND l.last_purchase_at > ?
         GROUP BY m.customer_id),
       scored AS (SELECT customer_id, m, ${SCORE('r')} AS rs, ${SCORE('f')} AS fs, ${SCORE('m')} AS ms FROM year)
       UPDATE customer_lifecycle SET r_score = scored.rs, f_score = scored.fs, m_score = scored.ms, revenue_12m = scored.m,
         segment = CASE
           WHEN scored.rs >= 4 AND scored.fs >= 4 THEN 'champions'
           WHEN scored.rs >= 3 AND scored.fs >= 3 THEN 'loyal'
           WHEN scored.rs >= 4 THEN 'promising'
           WHEN scored.rs = 3 THEN 'needs_attention'
           WHEN scored.fs >= 4 THEN 'cant_lose'
           WHEN scored.fs = 3 THEN 'at_risk'
           ELSE 'hibernating' END
       FROM scored WHERE customer_lifecycle.customer_id = scored.customer_id`,
    )
    .run(fromMonth, now - 365 * DAY_MS);
  return { scored: res.changes };
}

/** Spend tier from the monetary score. */
export function spendTier(mScore: number | null): 'top' | 'high' | 'mid' | 'low' | null {
  if (mScore === null) return null;
  return mScore === 5 ? 'top' : mScore === 4 ? 'high' : mScore === 3 ? 'mid' : 'low';
}
