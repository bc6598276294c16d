import type { Database } from 'bun:sqlite';
import type { LineFact } from '../db/fact-writer.ts';
import { storedScores } from '../scoring/serving/stored-scores.ts';
import { DAY_MS } from '../kernel/clock.ts';
import type { CustomerRow } from '../identity/customer-row.ts';
import { liveCustomerId } from '../identity/customer-write.service.ts';
import { maskIdentifier } from '../identity/normalize-identifier.ts';
import type { IdentifierKind, Stage, TransactionKind } from '../contract/enums.ts';
import type { Profile } from '../contract/profile.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import { type PointsOf, pointsFor } from '../loyalty/loyalty.service.ts';
import { isoOrNull, toMajor } from '../kernel/money.ts';
import { chainFiguresOf } from '../stats/chain-stats.ts';
import { returnedSkusSince } from '../stats/returned-items.ts';

export interface ProfileDeps {
  sqlite: Database;
  rules: LoyaltyRules;
  minorDigits: number;
  currency: string;
  /** Items returned within this many days are left out of the recommendations (ACTIONS_RETURN_BLOCK_DAYS). */
  returnBlockDays: number;
  /** How points are read (default: pointsView); a request that also shows actions shares one reading. */
  pointsOf?: PointsOf;
}


interface TxRow {
  id: string;
  terminal_id: string;
  receipt_no: string;
  kind: TransactionKind;
  occurred_at: number;
  total: number;
  points_earned: number;
  points_reversed: number;
  points_redeemed: number;
  original_tx_id: string | null;
}

type LineRow = LineFact & { tx_id: string };

const consent = (v: number | null): boolean | null => (v === null ? null : v === 1);

function chainOf(sqlite: Database, id: string, money: (minor: number) => number): Profile['chain'] {
  const f = chainFiguresOf(sqlite, id);
  return f && { global_id: f.globalId, visits: f.visits, spend: money(f.spend), stores: f.stores, last_purchase_at: isoOrNull(f.lastPurchaseAt) };
}

/** Everything an associate sees about one customer. Money as decimal numbers in the store currency. */
export function getProfile(deps: ProfileDeps, rawId: string, now: number): Profile {
  const { sqlite } = deps;
  const id = liveCustomerId(sqlite, rawId);
  const money = (minor: number) => toMajor(minor, deps.minorDigits);
  const moneyOrNull = (minor: number | null) => (minor === null ? null : money(minor));
  const c = sqlite.query<CustomerRow, [string]>('SELECT * FROM customers WHERE id = ?').get(id)!;
  const identifiers = sqlite
    .query<{ kind: IdentifierKind; value: string }, [string]>('SELECT kind, value FROM identity_links WHERE customer_id = ? ORDER BY created_at, kind')
    .all(id)
    .map((r) => ({ kind: r.kind, masked: maskIdentifier(r.kind, r.value) }));
  const mergedIds = sqlite.query<{ id: string }, [string]>('SELECT id FROM customers WHERE merged_into = ?').all(id).map((r) => r.id);
  const points = pointsFor(deps, id, now);
  const lifecycle = sqlite
    .query<{ stage: Stage; since: number; median_gap_ms: number | null }, [string]>('SELECT stage, since, median_gap_ms FROM customer_lifecycle WHERE customer_id = ?')
    .get(id);
  const totals = sqlite
    .query<{ first_purchase_at: number | null; last_purchase_at: number | null; sale_count: number; sale_amount: number; return_count: number; return_amount: number }, [string]>(
      'SELECT first_purchase_at, last_purchase_at, sale_count, sale_amount, return_count, return_amount FROM customer_stats WHERE customer_id = ?',
    )
    .get(id) ?? { first_purchase_at: null, last_purchase_at: null, sale_count: 0, sale_amount: 0, return_count: 0, return_amount: 0 };
  const windows = sqlite
    .query<Record<string, number | null>, { id: string; d30: number; d90: number; d365: number }>(
      `SELECT sum(kind = 'sale' AND occurred_at > $d30) AS v30, sum(CASE WHEN occurred_at > $d30 THEN total END) AS s30,
              sum(kind = 'sale' AND occurred_at > $d90) AS v90, sum(CASE WHEN occurred_at > $d90 THEN total END) AS s90,
              sum(kind = 'sale') AS v365, sum(total) AS s365
       FROM transactions WHERE customer_id = $id AND occurred_at > $d365`,
    )
    .get({ id, d30: now - 30 * DAY_MS, d90: now - 90 * DAY_MS, d365: now - 365 * DAY_MS }) ?? {};

  const txs = sqlite
    .query<TxRow, [string]>(
      `SELECT id, terminal_id, receipt_no, kind, occurred_at, total, points_earned, points_reversed, points_redeemed, original_tx_id
       FROM transactions WHERE customer_id = ? ORDER BY occurred_at DESC, id DESC LIMIT 20`,
    )
    .all(id);
  const lines = txs.length === 0 ? [] : sqlite
    .query<LineRow, string[]>(`SELECT * FROM transaction_lines WHERE tx_id IN (${txs.map(() => '?').join(',')}) ORDER BY tx_id, line_no`)
    .all(...txs.map((t) => t.id));
  const linesByTx = Map.groupBy(lines, (l) => l.tx_id);
  const scores = storedScores(sqlite, id);
  // Stored recommendations were ranked at the last scoring; a return since then takes effect here, at once.
  const returned = returnedSkusSince(sqlite, id, now - deps.returnBlockDays * DAY_MS).skus;

  return {
    id,
    merged_ids: mergedIds,
    store_id: c.store_id,
    created_at: isoOrNull(c.created_at),
    registered_at: isoOrNull(c.registered_at),
    identifiers,
    name: c.name,
    birthday: c.birthday,
    gender: c.gender,
    consent: { sms: consent(c.consent_sms), email: consent(c.consent_email), push: consent(c.consent_push), call: consent(c.consent_call) },
    currency: deps.currency,
    lifecycle: lifecycle
      ? { stage: lifecycle.stage, since: isoOrNull(lifecycle.since), usual_gap_days: lifecycle.median_gap_ms === null ? null : Math.round(lifecycle.median_gap_ms / DAY_MS) }
      : null,
    tier: {
      name: points.tier.name,
      points_earned_12m: points.tier.earned12m,
      next: points.tier.next ? { name: points.tier.next.name, points_needed: points.tier.next.pointsNeeded } : null,
    },
    points: { balance: points.balance, spendable: points.spendable, pending: points.pending, expiring_30d: points.expiringSoon },
    // Model scores (scoring/serving): null until the customer has been scored.
    scores: scores && {
      p_purchase: scores.p_purchase,
      churn_risk: scores.churn_risk,
      expected_purchases: scores.expected_purchases,
      horizon_days: scores.horizon_days,
      clv: money(scores.clv_minor),
      model_version: scores.model_version,
      scored_at: isoOrNull(scores.scored_at),
      reasons: scores.reasons,
    },
    recommendations: (scores?.recommendations ?? []).filter((r) => !returned.has(r.sku)),
    stats: {
      first_purchase_at: isoOrNull(totals.first_purchase_at),
      last_purchase_at: isoOrNull(totals.last_purchase_at),
      visits_total: totals.sale_count,
      spend_total: money(totals.sale_amount - totals.return_amount),
      visits_30d: windows.v30 ?? 0,
      visits_90d: windows.v90 ?? 0,
      visits_365d: windows.v365 ?? 0,
      spend_30d: money(windows.s30 ?? 0),
      spend_90d: money(windows.s90 ?? 0),
      spend_365d: money(windows.s365 ?? 0),
      average_basket: totals.sale_count > 0 ? money(Math.round(totals.sale_amount / totals.sale_count)) : null,
      returns: { count: totals.return_count, amount: money(totals.return_amount) },
    },
    chain: chainOf(sqlite, id, money),
    transactions: txs.map((t) => ({
      id: t.id,
      terminal_id: t.terminal_id,
      receipt_no: t.receipt_no,
      kind: t.kind,
      occurred_at: isoOrNull(t.occurred_at),
      total: money(t.total),
      points_earned: t.points_earned,
      points_reversed: t.points_reversed,
      points_redeemed: t.points_redeemed,
      original_id: t.original_tx_id,
      lines: (linesByTx.get(t.id) ?? []).map((l) => ({
        line_no: l.line_no,
        sku: l.sku,
        name: l.name,
        category: l.category,
        quantity: l.quantity_milli / 1000,
        unit_price: moneyOrNull(l.unit_price),
        discount: money(l.discount),
        amount: moneyOrNull(l.amount),
        void: l.void === 1,
      })),
    })),
  };
}

