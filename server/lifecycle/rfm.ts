import type { Database } from 'bun:sqlite';
import type { Segment } from '../contract/enums.ts';
import { DAY_MS } from '../kernel/clock.ts';
import { monthAtOffset } from '../kernel/local-time.ts';
import { customerRanges, DEFAULT_PAGING, drain, IN_RANGE, type Steps } from '../db/sweep-steps.ts';

/*
 * RFM: recency, frequency and monetary value over the last 12 months, each scored 1–5 by percentile
 * (ties share a score, so the many one-time buyers are not split at random), and the classic segment
 * grid on R × F. Customers without a purchase in 12 months get no scores and the segment `lost`.
 *
 * In steps (sweep-steps.ts): the year's figures are read a page of customers at a time, the percentiles
 * computed over all of them, then the scores written a page at a time. A sale between two steps is scored
 * from the figures read before it, as if it came after the sweep.
 */

/**
 * 1–5 from the share of values strictly below `v` among `sorted` (SQL's percent_rank: (rank − 1) / (n − 1),
 * 0 for a single value), as min(5, 1 + ⌊5 · percent_rank⌋).
 */
export function percentileScore(sorted: Float64Array, v: number): number {
  const n = sorted.length;
  let lo = 0;
  let hi = n;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < v) lo = mid + 1;
    else hi = mid;
  }
  const rank = n > 1 ? lo / (n - 1) : 0;
  return Math.min(5, 1 + Math.trunc(5 * rank));
}

function segmentOf(r: number, f: number): Segment {
  if (r >= 4 && f >= 4) return 'champions';
  if (r >= 3 && f >= 3) return 'loyal';
  if (r >= 4) return 'promising';
  if (r === 3) return 'needs_attention';
  if (f >= 4) return 'cant_lose';
  if (f === 3) return 'at_risk';
  return 'hibernating';
}

export function* scoreRfmSteps(sqlite: Database, now: number, pageSize = DEFAULT_PAGING.customers): Steps<{ scored: number }> {
  // The UTC month (offset 0) while customer_months holds store-local months: within the zone offset of a
  // month's edge, F and M count one month more or less than the store-local year would.
  const fromMonth = monthAtOffset(0, now - 365 * DAY_MS);
  const yearOf = sqlite.query<{ customer_id: string; r: number; f: number; m: number }, [string, string, string, number]>(
    `SELECT m.customer_id, l.last_purchase_at AS r, sum(m.sales) AS f, sum(m.revenue) AS m
     FROM customer_months m JOIN customer_lifecycle l ON l.customer_id = m.customer_id
     WHERE ${IN_RANGE('m.customer_id')} AND m.month >= ?3 AND l.last_purchase_at > ?4
     GROUP BY m.customer_id`,
  );
  // Read and written over the same ranges: each range's figures are written back in its own step.
  const ranges: Array<{ after: string; through: string }> = [];
  const perRange: Array<Array<{ customer_id: string; r: number; f: number; m: number }>> = [];
  const rs: number[] = [];
  const fs: number[] = [];
  const ms: number[] = [];
  const lastId = sqlite.query<{ id: string | null }, []>('SELECT max(id) AS id FROM customers');
  for (const range of customerRanges(sqlite, pageSize)) {
    const rows = yearOf.all(range.after, range.through, fromMonth, now - 365 * DAY_MS);
    for (const x of rows) {
      rs.push(x.r);
      fs.push(x.f);
      ms.push(x.m);
    }
    // The last range ends at the last customer read now: one created before the scores are written keeps
    // its row as it is (unscored until the next sweep), rather than be reset to `lost` unread.
    const end = lastId.get()?.id ?? range.after;
    ranges.push({ after: range.after, through: range.through < end ? range.through : end });
    perRange.push(rows);
    yield;
  }
  // Sorted a dimension per step (each a sort of every customer of the year).
  const byR = Float64Array.from(rs).sort();
  yield;
  const byF = Float64Array.from(fs).sort();
  yield;
  const byM = Float64Array.from(ms).sort();
  yield;

  const reset = sqlite.query(
    `UPDATE customer_lifecycle SET r_score = NULL, f_score = NULL, m_score = NULL, revenue_12m = NULL,
       segment = CASE WHEN purchase_count > 0 THEN 'lost' END WHERE ${IN_RANGE('customer_id')}`,
  );
  const set = sqlite.query('UPDATE customer_lifecycle SET r_score = ?, f_score = ?, m_score = ?, revenue_12m = ?, segment = ? WHERE customer_id = ?');
  let scored = 0;
  for (const [i, { after, through }] of ranges.entries()) {
    reset.run(after, through);
    for (const x of perRange[i]!) {
      const r = percentileScore(byR, x.r);
      const f = percentileScore(byF, x.f);
      scored += set.run(r, f, percentileScore(byM, x.m), x.m, segmentOf(r, f), x.customer_id).changes;
    }
    yield;
  }
  return { scored };
}

/** RFM in one go (the rebuild, inside its transaction). */
export function scoreRfm(sqlite: Database, now: number): { scored: number } {
  return drain(scoreRfmSteps(sqlite, now));
}
