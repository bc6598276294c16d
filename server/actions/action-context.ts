import type { Database } from 'bun:sqlite';
import { returnedSkusSince } from '../stats/returned-items.ts';
import { getMetric } from '../db/store-metrics.ts';
import { DAY_MS } from '../kernel/clock.ts';
import type { Config } from '../kernel/config.ts';
import type { Stage } from '../contract/enums.ts';
import type { LoyaltyRules } from '../loyalty/loyalty-rules.ts';
import { type PointsOf, pointsFor } from '../loyalty/loyalty.service.ts';
import { localTime, zoneOffsetMinutes } from '../kernel/local-time.ts';
import { daysUntilAnniversary } from './action-catalog.ts';
import type { SuggestedItem } from '../contract/actions.ts';
import type { ActionContext } from './action-types.ts';

export interface ContextDeps {
  sqlite: Database;
  config: Config;
  rules: LoyaltyRules;
  /** Store-wide best sellers of the last 30 days (cached by the caller). */
  popularItems: () => SuggestedItem[];
  /** New arrivals and back-in-stock items of a category (store-wide, so callers may cache it). */
  newInCategory: (category: string) => Array<SuggestedItem & { why: 'new' | 'back' }>;
  /** An item's precomputed co-purchase neighbours (store-wide, so callers may cache it). */
  neighborsOf: (sku: string) => ItemNeighbor[];
  /** How points are read (default: pointsView). */
  pointsOf?: PointsOf;
}

// An Intl formatter costs tens of microseconds to build and nothing to reuse: one per currency.
const moneyFormats = new Map<string, Intl.NumberFormat>();
function moneyFormat(currency: string): Intl.NumberFormat {
  let f = moneyFormats.get(currency);
  if (!f) moneyFormats.set(currency, (f = new Intl.NumberFormat('en', { style: 'currency', currency })));
  return f;
}

/** Sales the favourite category is taken from, the most recent first. */
const FAVOURITE_SALES = 100;

/** Everything the action rules may read about one (live, canonical) customer. */
export function buildActionContext(deps: ContextDeps, customerId: string, now: number): ActionContext {
  const { sqlite, config } = deps;
  const c = sqlite
    .query<{ name: string | null; birthday: string | null; joined_at: number; registered_at: number | null; consent_sms: number | null; consent_email: number | null; consent_push: number | null; consent_call: number | null }, [string]>(
      'SELECT name, birthday, coalesce(registered_at, created_at) AS joined_at, registered_at, consent_sms, consent_email, consent_push, consent_call FROM customers WHERE id = ?',
    )
    .get(customerId)!;
  const life = sqlite
    .query<{ stage: Stage; purchase_count: number; last_purchase_at: number | null; median_gap_ms: number | null }, [string]>(
      'SELECT stage, purchase_count, last_purchase_at, median_gap_ms FROM customer_lifecycle WHERE customer_id = ?',
    )
    .get(customerId);
  const points = pointsFor(deps, customerId, now);
  const nextTierMin = points.tier.next ? (deps.rules.tiers.find((t) => t.name === points.tier.next?.name)?.min_points ?? 0) : 0;
  const spend365 = sqlite
    .query<{ s: number | null }, [string, number]>('SELECT sum(total) AS s FROM transactions WHERE customer_id = ? AND occurred_at > ?')
    .get(customerId, now - 365 * DAY_MS)?.s ?? 0;
  const p90 = getMetric<number | null>(sqlite, 'spend365_p90');
  // Over the last FAVOURITE_SALES sales: what they buy now, and a bounded read however long the history
  // (a house card's lookup joined every line it ever had, on the event loop; see bench/RESULTS.md).
  const favourite = sqlite
    .query<{ category: string }, [string, number]>(
      `SELECT l.category FROM (SELECT id FROM transactions WHERE customer_id = ? AND kind = 'sale' ORDER BY occurred_at DESC LIMIT ?) t
       JOIN transaction_lines l ON l.tx_id = t.id
       WHERE l.void = 0 AND l.category IS NOT NULL
       GROUP BY l.category ORDER BY sum(l.amount) DESC LIMIT 1`,
    )
    .get(customerId, FAVOURITE_SALES)?.category ?? null;
  const lastBasket = sqlite
    .query<SuggestedItem, [string]>(
      `SELECT l.sku, l.name FROM transaction_lines l WHERE l.void = 0 AND l.sku IS NOT NULL AND l.tx_id =
         (SELECT id FROM transactions WHERE customer_id = ? AND kind = 'sale' ORDER BY occurred_at DESC LIMIT 1) ORDER BY l.line_no`,
    )
    .all(customerId);
  const returns = returnedSkusSince(sqlite, customerId, now - config.ACTIONS_RETURN_BLOCK_DAYS * DAY_MS);
  const local = localTime(config.STORE_TZ, now);
  const consent = (v: number | null) => v === 1;

  return {
    now,
    localDate: local.date,
    storeName: config.STORE_NAME,
    formatMoney: (minor) => moneyFormat(config.STORE_CURRENCY).format(minor / 10 ** config.STORE_CURRENCY_MINOR_DIGITS),
    customer: {
      id: customerId,
      name: c.name,
      birthday: c.birthday,
      joinedAt: c.joined_at,
      registered: c.registered_at !== null,
      consent: { sms: consent(c.consent_sms), email: consent(c.consent_email), push: consent(c.consent_push), call: consent(c.consent_call) },
    },
    stage: life?.stage ?? 'new',
    purchaseCount: life?.purchase_count ?? 0,
    lastPurchaseAt: life?.last_purchase_at ?? null,
    usualGapDays: life?.median_gap_ms ? Math.round(life.median_gap_ms / DAY_MS) : null,
    points: {
      spendable: points.spendable,
      expiringSoon: points.expiringSoon,
      tierName: points.tier.name,
      nextTier: points.tier.next ? { name: points.tier.next.name, pointsNeeded: points.tier.next.pointsNeeded, minPoints: nextTierMin } : null,
    },
    spend365,
    topSpender: p90 !== null && spend365 > 0 && spend365 >= p90,
    favouriteCategory: favourite,
    lastBasket,
    returnedSkus: returns.skus,
    lastReturnAt: returns.lastReturnAt,
    popularItems: deps.popularItems(),
    newInFavourite: favourite ? deps.newInCategory(favourite) : [],
    complementary: complementaryItems(deps.neighborsOf, lastBasket.map((i) => i.sku)),
    upcomingHoliday: upcomingHoliday(config.HOLIDAYS, local.date),
  };
}

/** New arrivals (first sold within 30 days) and items back in stock (sold again after a 14+ day gap). */
export function newInCategory(sqlite: Database, category: string, now: number): Array<SuggestedItem & { why: 'new' | 'back' }> {
  return sqlite
    .query<SuggestedItem & { why: 'new' | 'back' }, [string, number, number]>(
      `SELECT sku, name, CASE WHEN first_sold_at > ?2 THEN 'new' ELSE 'back' END AS why FROM catalog_items
       WHERE category = ?1 AND (first_sold_at > ?2 OR (last_sold_at > ?3 AND previous_sold_at < last_sold_at - ${14 * DAY_MS}))
       ORDER BY last_sold_at DESC LIMIT 5`,
    )
    .all(category, now - 30 * DAY_MS, now - 7 * DAY_MS);
}

export interface ItemNeighbor extends SuggestedItem {
  score: number;
}

/** The neighbours of one item, best first, with their catalog names (recomputed by the daily sweep). */
export function itemNeighbors(sqlite: Database, sku: string): ItemNeighbor[] {
  return sqlite
    .query<ItemNeighbor, [string]>(
      `SELECT n.neighbor AS sku, c.name, n.score FROM item_neighbors n LEFT JOIN catalog_items c ON c.sku = n.neighbor
       WHERE n.sku = ? ORDER BY n.score DESC, n.neighbor`,
    )
    .all(sku);
}

/** Items most often bought with these (summed neighbour scores), best first, none of them already in the basket. */
function complementaryItems(neighborsOf: (sku: string) => ItemNeighbor[], skus: string[]): SuggestedItem[] {
  const inBasket = new Set(skus);
  const scored = new Map<string, ItemNeighbor>();
  for (const sku of inBasket) {
    for (const n of neighborsOf(sku)) {
      if (inBasket.has(n.sku)) continue;
      const seen = scored.get(n.sku);
      scored.set(n.sku, seen ? { ...seen, score: seen.score + n.score } : n);
    }
  }
  return [...scored.values()]
    .sort((a, b) => b.score - a.score || (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : 0))
    .slice(0, 5)
    .map(({ sku, name }) => ({ sku, name }));
}

function upcomingHoliday(holidays: Array<{ date: string; name: string }>, localDate: string): ActionContext['upcomingHoliday'] {
  let best: ActionContext['upcomingHoliday'] = null;
  for (const h of holidays) {
    if (h.date.length === 10 && h.date < localDate) continue;
    const inDays = h.date.length === 10 ? Math.round((Date.parse(h.date) - Date.parse(localDate)) / DAY_MS) : daysUntilAnniversary(localDate, h.date);
    if (inDays <= 14 && (best === null || inDays < best.inDays)) best = { name: h.name, date: h.date, inDays };
  }
  return best;
}

/** The daily sweep stores the month's best sellers under this store_metrics key; requests read them from there. */
export const POPULAR_ITEMS_METRIC = 'popular_items_30d';

/** Items with their catalog names, in the given order. */
export function withNames(sqlite: Database, skus: string[]): SuggestedItem[] {
  const name = sqlite.query<{ name: string | null }, [string]>('SELECT name FROM catalog_items WHERE sku = ?');
  return skus.map((sku) => ({ sku, name: name.get(sku)?.name ?? null }));
}

/** The store's best sellers of the last 30 days (the sweep gets the same list from its basket pass). */
export function popularItems(sqlite: Database, now: number, limit = 10): SuggestedItem[] {
  // CROSS JOIN fixes the loop order: the month's transactions by the time index, then their lines by
  // key. Left to itself the planner scans every line of the store's history (see bench/RESULTS.md).
  return sqlite
    .query<SuggestedItem, [number, number]>(
      `SELECT l.sku, max(l.name) AS name FROM transactions t CROSS JOIN transaction_lines l ON l.tx_id = t.id
       WHERE t.occurred_at > ? AND t.kind = 'sale' AND l.void = 0 AND l.sku IS NOT NULL
       GROUP BY l.sku ORDER BY count(*) DESC, l.sku LIMIT ?`,
    )
    .all(now - 30 * DAY_MS, limit);
}
