import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../clock.ts';

/*
 * Co-purchase neighbours for "often bought with": over the sales of the last `windowDays`, each pair of
 * distinct items in one basket counts once; the score is the cosine together / sqrt(count(a) · count(b)),
 * so a best seller that is in every basket does not become everyone's neighbour. Keeps the top `topN`
 * per item. Pairs seen fewer than `minTogether` times are noise and dropped.
 */
export function computeItemNeighbors(
  sqlite: Database,
  now: number,
  opts: { windowDays?: number; topN?: number; minTogether?: number } = {},
): { items: number; pairs: number; popular30d: string[] } {
  const windowDays = opts.windowDays ?? 90;
  const topN = opts.topN ?? 10;
  const minTogether = opts.minTogether ?? 2;
  const index = new Map<string, number>();
  const skus: string[] = [];
  const itemCount: number[] = [];
  const pairs = new Map<number, number>();
  let basket: number[] = [];
  let currentTx: string | null = null;
  // The same pass counts the last 30 days' sales lines per item: the store's popular items.
  const recentFrom = now - 30 * DAY_MS;
  const recentLines = new Map<number, number>();
  const closeBasket = () => {
    const items = [...new Set(basket)];
    for (const i of items) itemCount[i] = (itemCount[i] ?? 0) + 1;
    for (let a = 0; a < items.length; a++) {
      for (let b = a + 1; b < items.length; b++) {
        const [x, y] = items[a]! < items[b]! ? [items[a]!, items[b]!] : [items[b]!, items[a]!];
        const key = x * 2 ** 26 + y;
        pairs.set(key, (pairs.get(key) ?? 0) + 1);
      }
    }
    basket = [];
  };
  // Rows of one transaction come together (nested loop over the time index, then the line primary key).
  const rows = sqlite
    .query<{ tx_id: string; sku: string; at: number }, [number]>(
      `SELECT l.tx_id, l.sku, t.occurred_at AS at FROM transactions t JOIN transaction_lines l ON l.tx_id = t.id
       WHERE t.occurred_at > ? AND t.kind = 'sale' AND l.void = 0 AND l.sku IS NOT NULL ORDER BY t.occurred_at`,
    )
    .all(now - windowDays * DAY_MS);
  for (const r of rows) {
    if (r.tx_id !== currentTx) {
      closeBasket();
      currentTx = r.tx_id;
    }
    let i = index.get(r.sku);
    if (i === undefined) {
      i = skus.length;
      index.set(r.sku, i);
      skus.push(r.sku);
    }
    basket.push(i);
    if (r.at > recentFrom) recentLines.set(i, (recentLines.get(i) ?? 0) + 1);
  }
  closeBasket();
  const popular30d = [...recentLines]
    .sort((a, b) => b[1] - a[1] || (skus[a[0]]! < skus[b[0]]! ? -1 : 1))
    .slice(0, 10)
    .map(([i]) => skus[i]!);

  const best = new Map<number, Array<{ n: number; score: number; together: number }>>();
  const offer = (a: number, n: number, score: number, together: number) => {
    const list = best.get(a) ?? [];
    list.push({ n, score, together });
    if (list.length > topN * 4) {
      list.sort((p, q) => q.score - p.score);
      list.length = topN;
    }
    best.set(a, list);
  };
  for (const [key, together] of pairs) {
    if (together < minTogether) continue;
    const x = Math.floor(key / 2 ** 26);
    const y = key - x * 2 ** 26;
    const score = together / Math.sqrt(itemCount[x]! * itemCount[y]!);
    offer(x, y, score, together);
    offer(y, x, score, together);
  }
  sqlite.run('DELETE FROM item_neighbors');
  const insert = sqlite.query('INSERT INTO item_neighbors (sku, neighbor, score, together) VALUES (?, ?, ?, ?)');
  let written = 0;
  for (const [a, list] of best) {
    list.sort((p, q) => q.score - p.score || q.together - p.together);
    for (const { n, score, together } of list.slice(0, topN)) {
      insert.run(skus[a]!, skus[n]!, score, together);
      written += 1;
    }
  }
  return { items: best.size, pairs: written, popular30d };
}
