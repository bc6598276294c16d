import type { LineInput } from '../kernel/transaction-input.ts';
import type { CatalogItem } from './catalog.ts';
import type { DemoCustomer } from './demo-customers.ts';
import type { Random } from './random.ts';

/** Weighted pick by popularity. */
function pickWeighted(rnd: Random, items: readonly CatalogItem[]): CatalogItem {
  const total = items.reduce((s, i) => s + i.weight, 0);
  let x = rnd.next() * total;
  for (const item of items) {
    x -= item.weight;
    if (x <= 0) return item;
  }
  return items[items.length - 1]!;
}

export function lineFor(rnd: Random, item: CatalogItem): LineInput {
  // Weighed items: 0.2–2.5 kg to the gram; others 1–3 units.
  const quantityMilli = item.weighed ? rnd.int(200, 2500) : 1000 * (rnd.chance(0.8) ? 1 : rnd.int(2, 3));
  const gross = Math.round((quantityMilli * item.price) / 1000);
  const discount = rnd.chance(0.1) ? Math.round(gross * 0.1) : 0;
  return {
    sku: item.sku,
    name: item.name,
    category: item.category,
    quantityMilli,
    unitPrice: item.price,
    discount,
    amount: gross - discount,
    void: rnd.chance(0.01),
  };
}

/**
 * A basket of 3–8 lines for a member: some of their favourite (repeat) items, a shopping mission that ties
 * categories together, and filler from their favourite categories. Anonymous baskets are 1–5 popular items.
 */
export function demoBasket(rnd: Random, byCategory: Map<string, CatalogItem[]>, catalog: CatalogItem[], c: DemoCustomer | null): LineInput[] {
  const chosen = new Map<string, CatalogItem>();
  const add = (item: CatalogItem | undefined) => {
    if (item) chosen.set(item.sku, item);
  };
  if (!c) {
    const n = rnd.int(1, 5);
    while (chosen.size < n) add(pickWeighted(rnd, catalog));
  } else {
    const target = rnd.int(3, 8);
    for (const fav of c.favourites) if (rnd.chance(0.45)) add(fav);
    for (const category of rnd.pick(c.missions)) if (chosen.size < target) add(pickWeighted(rnd, byCategory.get(category) ?? catalog));
    let guard = 0;
    while (chosen.size < target && guard++ < 50) {
      const pool = rnd.chance(0.7) ? (byCategory.get(rnd.pick(c.favouriteCategories)) ?? catalog) : catalog;
      add(pickWeighted(rnd, pool));
    }
  }
  return [...chosen.values()].map((item) => lineFor(rnd, item));
}
