import { Database } from 'bun:sqlite';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { openCentralStorage } from '../../server/central/central-db.ts';
import type { Random } from '../../server/demo/random.ts';

/*
 * What the sync fault tests share: a process clock the test can move (libfaketime), POS traffic posted by a
 * terminal, and the figures compared between a store's SQLite and central's database.
 */

export const FAKETIME_LIB = '/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1';

/**
 * Env that runs a process on a wall clock offset by what `file` says ("+0", "+3600", seconds). The file is
 * re-read at most every second, so the test moves a running process's clock by rewriting it. Monotonic time
 * (timers) stays real: only the wall clock jumps, as when a store's clock is set wrong or days pass.
 */
export function movableClockEnv(file: string): Record<string, string> {
  if (!existsSync(FAKETIME_LIB)) throw new Error(`${FAKETIME_LIB} is missing: apt-get install faketime (the sync fault tests move process clocks with it)`);
  if (!existsSync(file)) writeFileSync(file, '+0');
  return { LD_PRELOAD: FAKETIME_LIB, FAKETIME_TIMESTAMP_FILE: file, FAKETIME_CACHE_DURATION: '1', FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/** Sets the clock of the processes reading `file` to real time + `offsetMs`, and waits until they have read it. */
export async function setClockOffset(file: string, offsetMs: number): Promise<void> {
  writeFileSync(file, `${offsetMs >= 0 ? '+' : '-'}${Math.round(Math.abs(offsetMs) / 1000)}`);
  await new Promise((r) => setTimeout(r, 1200));
}

const ITEMS = [
  { sku: '6901234567890', name: 'Oolong tea 500ml', category: 'beverages', price: 450 },
  { sku: '6900000000011', name: 'Rice 5kg', category: 'staples', price: 5990 },
  { sku: '6900000000021', name: 'Milk 1l', category: 'dairy', price: 1380 },
  { sku: '6900000000041', name: 'Dish soap', category: 'household', price: 1590 },
] as const;

interface PostedSale {
  terminal_id: string;
  receipt_no: string;
  line: { sku: string; name: string; category: string; quantity: number; unit_price: number; discount: number; amount: number };
}

/** A terminal's traffic: sales (about 60 % by a member of a small card pool) and returns of its earlier sales. */
export function posTerminal(opts: { url: string; token: string; storeId: string; terminal: string; rnd: Random; now: () => number }) {
  let receipt = 0;
  const sold: PostedSale[] = [];
  const post = async (body: unknown): Promise<void> => {
    const res = await fetch(`${opts.url}/api/v1/transactions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${opts.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 201) throw new Error(`POS post answered ${res.status}: ${await res.text()}`);
  };
  const header = (kind: 'sale' | 'return') => ({
    store_id: opts.storeId,
    terminal_id: opts.terminal,
    receipt_no: `${opts.terminal}-${String(++receipt).padStart(5, '0')}`,
    occurred_at: new Date(opts.now() - opts.rnd.int(0, 30) * 60_000).toISOString(),
    kind,
  });
  return {
    /** Posts `count` transactions one after the other; every one must be answered 201. */
    async post(count: number): Promise<void> {
      for (let i = 0; i < count; i++) {
        const back = sold.length > 3 && opts.rnd.chance(0.15) ? sold.splice(opts.rnd.int(0, sold.length - 1), 1)[0]! : null;
        if (back) {
          await post({ ...header('return'), lines: [back.line], tenders: [{ type: 'cash', amount: back.line.amount }], original: { terminal_id: back.terminal_id, receipt_no: back.receipt_no } });
          continue;
        }
        const item = opts.rnd.pick(ITEMS);
        const quantity = opts.rnd.int(1, 3);
        const line = { sku: item.sku, name: item.name, category: item.category, quantity, unit_price: item.price / 100, discount: 0, amount: (item.price * quantity) / 100 };
        const tx = { ...header('sale'), lines: [line], tenders: [{ type: 'card', amount: line.amount }] };
        const customer = opts.rnd.chance(0.6) ? { customer: { loyalty_card: `8800${String(2000 + opts.rnd.int(0, 14))}` } } : {};
        await post({ ...tx, ...customer });
        sold.push({ terminal_id: tx.terminal_id, receipt_no: tx.receipt_no, line });
      }
    },
  };
}

/** The figures central must end up with for a store: from the store's own file. */
export interface SyncFigures {
  transactions: number;
  total: number;
  /** Change-log sequence numbers: central must hold 1..lastSeq, each once. */
  lastSeq: number;
  /** Ledger points per customer the entry was recorded for, sorted by customer. */
  points: Array<{ customer: string; points: number }>;
}

export function storeFigures(dataDir: string): SyncFigures {
  const db = new Database(join(dataDir, 'store.db'), { readonly: true });
  try {
    const tx = db.query<{ n: number; total: number }, []>('SELECT count(*) AS n, coalesce(sum(total), 0) AS total FROM transactions').get()!;
    const seq = db.query<{ s: number }, []>('SELECT coalesce(max(seq), 0) AS s FROM change_log').get()!.s;
    const points = db
      .query<{ customer: string; points: number }, []>('SELECT recorded_customer_id AS customer, sum(points) AS points FROM loyalty_ledger GROUP BY 1 ORDER BY 1')
      .all();
    return { transactions: tx.n, total: tx.total, lastSeq: seq, points };
  } finally {
    db.close();
  }
}

export interface CentralFigures {
  transactions: number;
  total: number;
  /** store_changes rows, distinct seqs, lowest and highest seq, and facts not stored as a JSON object. */
  changes: { rows: number; distinct: number; min: number; max: number; notObjects: number };
  points: Array<{ customer: string; points: number }>;
  cursor: number;
  clockSkewMs: number | null;
  /** Changes kept flagged for the store's clock, and the lowest and highest such seq (0 when none). */
  skewFlagged: { rows: number; min: number; max: number };
}

/** Central's figures for `storeId`, read from its database (PGlite: central must be stopped). */
export async function centralFigures(dataDir: string, databaseUrl: string | null, storeIds: readonly string[]): Promise<Map<string, CentralFigures>> {
  const storage = await openCentralStorage({ dataDir, databaseUrl });
  const rows = async <T>(query: ReturnType<typeof sql>) => (await storage.db.execute(query)) as unknown as { rows: T[] } | T[];
  const list = <T>(r: { rows: T[] } | T[]) => (Array.isArray(r) ? r : r.rows);
  try {
    const out = new Map<string, CentralFigures>();
    for (const id of storeIds) {
      const [tx] = list(await rows<{ n: number; total: string }>(sql`SELECT count(*)::int AS n, coalesce(sum(total), 0)::text AS total FROM chain_transactions WHERE store_id = ${id}`));
      const [ch] = list(
        await rows<{ rows: number; distinct: number; min: string; max: string; flagged: number; not_objects: number; flagged_min: string; flagged_max: string }>(
          sql`SELECT count(*)::int AS rows, count(DISTINCT seq)::int AS distinct, coalesce(min(seq), 0)::text AS min, coalesce(max(seq), 0)::text AS max,
                     count(*) FILTER (WHERE skew_flagged)::int AS flagged, count(*) FILTER (WHERE jsonb_typeof(fact) <> 'object')::int AS not_objects,
                     coalesce(min(seq) FILTER (WHERE skew_flagged), 0)::text AS flagged_min, coalesce(max(seq) FILTER (WHERE skew_flagged), 0)::text AS flagged_max
              FROM store_changes WHERE store_id = ${id}`,
        ),
      );
      const points = list(
        await rows<{ customer: string; points: number }>(
          sql`SELECT customer, points FROM (
                SELECT fact->>'recorded_customer_id' AS customer, sum((fact->>'points')::int)::int AS points
                FROM store_changes WHERE store_id = ${id} AND kind = 'ledger' GROUP BY 1
              ) per_customer ORDER BY customer COLLATE "C"`,
        ),
      );
      const [st] = list(await rows<{ cursor: string; skew: number | null }>(sql`SELECT cursor::text AS cursor, clock_skew_ms AS skew FROM stores WHERE id = ${id}`));
      out.set(id, {
        transactions: tx!.n,
        total: Number(tx!.total),
        changes: { rows: ch!.rows, distinct: ch!.distinct, min: Number(ch!.min), max: Number(ch!.max), notObjects: ch!.not_objects },
        points: points.map((p) => ({ customer: p.customer, points: p.points })),
        cursor: Number(st!.cursor),
        clockSkewMs: st!.skew,
        skewFlagged: { rows: ch!.flagged, min: Number(ch!.flagged_min), max: Number(ch!.flagged_max) },
      });
    }
    return out;
  } finally {
    await storage.close();
  }
}

/** What differs between a store and central's copy of it (empty: converged, nothing lost, nothing doubled). */
export function convergenceProblems(storeId: string, store: SyncFigures, central: CentralFigures): string[] {
  const problems: string[] = [];
  if (central.transactions !== store.transactions || central.total !== store.total) {
    problems.push(`${storeId}: central has ${central.transactions} transactions totalling ${central.total}, the store ${store.transactions} totalling ${store.total}`);
  }
  const { rows, distinct, min, max } = central.changes;
  const wanted = store.lastSeq;
  if (rows !== wanted || distinct !== wanted || max !== wanted || min !== (wanted > 0 ? 1 : 0)) {
    problems.push(`${storeId}: central holds ${rows} changes (${distinct} distinct, ${min}..${max}), the store 1..${wanted}`);
  }
  if (central.changes.notObjects > 0) problems.push(`${storeId}: ${central.changes.notObjects} facts at central are not JSON objects (double-encoded?)`);
  if (central.cursor !== wanted) problems.push(`${storeId}: central's cursor is ${central.cursor}, the store's last change ${wanted}`);
  if (JSON.stringify(central.points) !== JSON.stringify(store.points)) {
    const at = new Map(central.points.map((p) => [p.customer, p.points]));
    const diff = store.points.filter((p) => at.get(p.customer) !== p.points).slice(0, 5);
    problems.push(`${storeId}: ledger points per customer differ (${central.points.length} customers at central, ${store.points.length} at the store), e.g. ${JSON.stringify(diff.map((p) => ({ ...p, central: at.get(p.customer) ?? null })))}`);
  }
  return problems;
}
