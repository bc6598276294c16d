import type { Database } from 'bun:sqlite';
import { DAY_MS } from '../kernel/clock.ts';
import type { Steps } from '../db/sweep-steps.ts';

/** Co-purchase pairs ranked per step, and items whose lists are rewritten per step. */
const PAIRS_PER_STEP = 50_000;
const ITEMS_PER_STEP = 500;

/*
 * Co-purchase neighbours for "often bought with": over the sales of the last `windowDays`, each pair of
 * distinct items in one basket counts once; the score is the cosine together / sqrt(count(a) · count(b)),
 * so a best seller that is in every basket does not become everyone's neighbour. Keeps the top `topN`
 * per item. Pairs seen fewer than `minTogether` times are noise and dropped.
 */
export function* itemNeighborsSteps(
  sqlite: Database,
  now: number,
  opts: { windowDays?: number; topN?: number; minTogether?: number; pageTransactions: number },
): Steps<{ items: number; pairs: number; popular30d: string[] }> {
  const windowDays = opts.windowDays ?? 90;
  const topN = opts.topN ?? 10;
  const minTogether = opts.minTogether ?? 2;
  const index = new Map<string, number>();
  const skus: string[] = [];
  const itemCount: number[] = [];
  // Pair counts by the pair's lower item index: many small maps, none of which stalls a step when it grows.
  const pairs: Array<Map<number, number> | undefined> = [];
  let basket: number[] = [];
  // The same pass counts the last 30 days' sales lines per item: the store's popular items.
  const recentFrom = now - 30 * DAY_MS;
  const recentLines = new Map<number, number>();
  const closeBasket = () => {
    const items = [...new Set(basket)];
    for (const i of items) itemCount[i] = (itemCount[i] ?? 0) + 1;
    for (let a = 0; a < items.length; a++) {
      for (let b = a + 1; b < items.length; b++) {
        const [x, y] = items[a]! < items[b]! ? [items[a]!, items[b]!] : [items[b]!, items[a]!];
        const counts = (pairs[x] ??= new Map());
        counts.set(y, (counts.get(y) ?? 0) + 1);
      }
    }
    basket = [];
  };
  // The window's sales a page of transactions per step, in (time, rowid) order; a page holds whole
  // transactions, and the rows of one come together (the time index, then the line primary key).
  const pageSize = opts.pageTransactions;
  // One lower bound on the time index (the cursor's), so that each page starts where the last ended.
  const page = sqlite.query<{ rid: number; at: number; id: string }, [number, number, number]>(
    `SELECT rowid AS rid, occurred_at AS at, id FROM transactions
     WHERE occurred_at >= ?1 AND (occurred_at > ?1 OR rowid > ?2) AND kind = 'sale'
     ORDER BY occurred_at, rowid LIMIT ?3`,
  );
  const linesOf = sqlite.query<{ sku: string }, [string]>(
    'SELECT sku FROM transaction_lines WHERE tx_id = ? AND void = 0 AND sku IS NOT NULL ORDER BY line_no',
  );
  // Starts after every sale at the window's first instant: the window is occurred_at > now − windowDays.
  for (let cursor = { at: now - windowDays * DAY_MS, rid: Number.MAX_SAFE_INTEGER }; ; yield) {
    const txs = page.all(cursor.at, cursor.rid, pageSize);
    for (const tx of txs) {
      for (const { sku } of linesOf.all(tx.id)) {
        let i = index.get(sku);
        if (i === undefined) {
          i = skus.length;
          index.set(sku, i);
          skus.push(sku);
        }
        basket.push(i);
        if (tx.at > recentFrom) recentLines.set(i, (recentLines.get(i) ?? 0) + 1);
      }
      closeBasket();
    }
    if (txs.length < pageSize) break;
    const last = txs[txs.length - 1]!;
    cursor = { at: last.at, rid: last.rid };
  }
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
  let seen = 0;
  for (const [x, counts] of pairs.entries()) {
    for (const [y, together] of counts ?? []) {
      if (++seen % PAIRS_PER_STEP === 0) yield;
      if (together < minTogether) continue;
      const score = together / Math.sqrt(itemCount[x]! * itemCount[y]!);
      offer(x, y, score, together);
      offer(y, x, score, together);
    }
  }
  yield;
  // Each item's list is replaced whole in one step, so a lookup between steps sees an item's old list or
  // its new one, never a mix; items left without neighbours lose theirs at the end.
  const remove = sqlite.query('DELETE FROM item_neighbors WHERE sku = ?');
  const insert = sqlite.query('INSERT INTO item_neighbors (sku, neighbor, score, together) VALUES (?, ?, ?, ?)');
  let written = 0;
  let items = 0;
  for (const [a, list] of best) {
    if (++items % ITEMS_PER_STEP === 0) yield;
    remove.run(skus[a]!);
    list.sort((p, q) => q.score - p.score || q.together - p.together);
    for (const { n, score, together } of list.slice(0, topN)) {
      insert.run(skus[a]!, skus[n]!, score, together);
      written += 1;
    }
  }
  const kept = new Set([...best.keys()].map((a) => skus[a]!));
  const listed = sqlite.query<{ sku: string }, []>('SELECT DISTINCT sku FROM item_neighbors').all();
  for (const { sku } of listed) if (!kept.has(sku)) remove.run(sku);
  return { items: best.size, pairs: written, popular30d };
}
