import { type Random, seededRandom } from '../../server/demo/random.ts';
import { errorBodySchema } from '../../server/contract/errors.ts';
import { batchResultSchema, type IngestResult, ingestResultSchema } from '../../server/contract/ingest-results.ts';
import { parseWith } from '../support/json-of.ts';

/*
 * A bounded, seeded POS load against a real server: `posters` terminals post back to back (no think time)
 * until the connection dies or the deadline passes. Mix: new sales of 1–6 lines (~70 % name a member of a
 * small pool by card and/or phone; 1 % pair one member's card with another's phone, so identities merge;
 * some redeem points),
 * returns of acknowledged sales linked by `original`, batches of new sales, and deliberate re-posts of
 * acknowledged receipts (alone and inside batches). Every answer is recorded: what was acknowledged (2xx)
 * with its result, what was refused (4xx), and what got no answer at all.
 */

export interface WireLine {
  sku: string;
  name: string;
  category: string;
  quantity: number;
  unit_price: number;
  discount: number;
  amount: number;
}

export interface WireTx {
  store_id: string;
  terminal_id: string;
  receipt_no: string;
  occurred_at: string;
  kind: 'sale' | 'return';
  customer?: { loyalty_card?: string; phone?: string };
  lines: WireLine[];
  tenders: Array<{ type: string; amount: number }>;
  change: number;
  points_redeemed: number;
  original?: { terminal_id: string; receipt_no: string };
}

export interface Ack {
  tx: WireTx;
  /** The first answer: 201, or 200 when the first answer the load saw was already a replay. */
  status: 200 | 201;
  result: IngestResult;
}

export interface LoadRecord {
  acked: Map<string, Ack>;
  /**
   * Customer ids that re-posts answered with. A replay answers the stored row, whose customer_id follows
   * merges, so it may name the survivor of the acknowledged customer: checked after the run, on the file.
   */
  replayedCustomers: Array<{ key: string; acknowledged: string | null; replayed: string | null }>;
  /** New transactions whose request got no answer (connection reset, refused, timed out). */
  unanswered: Map<string, WireTx>;
  refused: Map<string, { tx: WireTx; status: number; code: string }>;
  /** Anything that must not happen under load: 5xx, an unexpected 4xx, a replay that answers differently. */
  problems: string[];
  requests: number;
  replays: number;
  batches: number;
}

export const txKey = (t: { terminal_id: string; receipt_no: string }) => `${t.terminal_id}/${t.receipt_no}`;

/** The same answer, except that the customer may since have been merged into another (see replayedCustomers). */
export const sameAnswerButCustomer = (a: IngestResult, b: IngestResult) =>
  JSON.stringify({ ...a, customer_id: null }) === JSON.stringify({ ...b, customer_id: null }) && (a.customer_id === null) === (b.customer_id === null);

/** The ingest result in an answer (a batch item's index and status are dropped); throws if it breaks the contract. */
export const resultOf = (body: unknown): IngestResult => parseWith(ingestResultSchema, body, 'ingest result');

/** The error code of an answer that is an error body, else undefined. */
export const errorCodeOf = (body: unknown): string | undefined => {
  const parsed = errorBodySchema.safeParse(body);
  return parsed.success ? parsed.data.error.code : undefined;
};

interface Item {
  sku: string;
  name: string;
  category: string;
  /** Minor units per unit (per kg for weighed items). */
  price: number;
  weighed: boolean;
}

const CATALOG: readonly Item[] = [
  { sku: '6901234567890', name: 'Oolong tea 500ml', category: 'beverages', price: 450, weighed: false },
  { sku: '6901234567891', name: 'Jasmine tea 500ml', category: 'beverages', price: 400, weighed: false },
  { sku: '6901234567892', name: 'Mineral water 1.5l', category: 'beverages', price: 250, weighed: false },
  { sku: '6900000000011', name: 'Rice 5kg', category: 'staples', price: 5990, weighed: false },
  { sku: '6900000000012', name: 'Noodles 1kg', category: 'staples', price: 1290, weighed: false },
  { sku: '6900000000013', name: 'Soy sauce 500ml', category: 'staples', price: 1050, weighed: false },
  { sku: '6900000000021', name: 'Milk 1l', category: 'dairy', price: 1380, weighed: false },
  { sku: '6900000000022', name: 'Yoghurt 4×100g', category: 'dairy', price: 990, weighed: false },
  { sku: '6900000000031', name: 'Potato chips', category: 'snacks', price: 750, weighed: false },
  { sku: '6900000000032', name: 'Sunflower seeds', category: 'snacks', price: 620, weighed: false },
  { sku: '6900000000041', name: 'Dish soap', category: 'household', price: 1590, weighed: false },
  { sku: '6900000000042', name: 'Paper towels ×6', category: 'household', price: 2490, weighed: false },
  { sku: 'PLU-APPLE', name: 'Apples', category: 'produce', price: 1299, weighed: true },
  { sku: 'PLU-BANANA', name: 'Bananas', category: 'produce', price: 699, weighed: true },
  { sku: 'PLU-PORK', name: 'Pork belly', category: 'meat', price: 3580, weighed: true },
  { sku: 'PLU-BOKCHOY', name: 'Bok choy', category: 'produce', price: 498, weighed: true },
];

/** 40 members, each with a card and a phone; now and then a sale pairs one's card with another's phone (merge). */
const MEMBERS = Array.from({ length: 40 }, (_, i) => ({ card: `8800${String(1000 + i)}`, phone: `1390000${String(1000 + i)}` }));
const MINUTE_MS = 60_000;

const major = (minor: number) => minor / 100;

/** ISO 8601 with the store's +08:00 offset, as a Chinese POS would write it. */
function isoPlus8(ms: number): string {
  return new Date(ms + 8 * 60 * MINUTE_MS).toISOString().replace('Z', '+08:00');
}

function saleLines(rnd: Random): WireLine[] {
  return Array.from({ length: rnd.int(1, 6) }, () => {
    const item = rnd.pick(CATALOG);
    const milli = item.weighed ? rnd.int(150, 2500) : 1000 * (rnd.chance(0.7) ? 1 : rnd.int(2, 4));
    const gross = Math.round((milli * item.price) / 1000);
    const discount = rnd.chance(0.15) ? Math.round((gross * rnd.int(5, 20)) / 100) : 0;
    return {
      sku: item.sku,
      name: item.name,
      category: item.category,
      quantity: milli / 1000,
      unit_price: major(item.price),
      discount: major(discount),
      amount: major(gross - discount),
    };
  });
}

const totalMinor = (lines: readonly WireLine[]) => lines.reduce((s, l) => s + Math.round(l.amount * 100), 0);

/** Tenders that pay `total` (minor units): card, or cash rounded up to 10 with change. */
function tendersFor(rnd: Random, total: number): Pick<WireTx, 'tenders' | 'change'> {
  if (rnd.chance(0.3)) {
    const cash = Math.ceil(total / 1000) * 1000;
    return { tenders: [{ type: 'cash', amount: major(cash) }], change: major(cash - total) };
  }
  return { tenders: [{ type: rnd.pick(['card', 'wechat', 'alipay']), amount: major(total) }], change: 0 };
}

export interface LoadOptions {
  url: string;
  token: string;
  seed: number;
  posters: number;
  /** Makes receipt numbers unique to this run. */
  tag: string;
  /** Posters stop starting requests after this (ms since start), whatever happens to the server. */
  deadlineMs: number;
  requestTimeoutMs?: number;
  /** Filled as answers arrive, so a test can look at what was acknowledged so far while the load runs. */
  record?: LoadRecord;
}

export function emptyLoadRecord(): LoadRecord {
  return { acked: new Map(), replayedCustomers: [], unanswered: new Map(), refused: new Map(), problems: [], requests: 0, replays: 0, batches: 0 };
}

export async function runPosLoad(opts: LoadOptions): Promise<LoadRecord> {
  const record = opts.record ?? emptyLoadRecord();
  const ackedKeys: string[] = [];
  const ackedSaleKeys: string[] = [];
  const started = performance.now();
  const timeoutMs = opts.requestTimeoutMs ?? 10_000;
  let dead = false;

  const acknowledge = (tx: WireTx, status: number, body: unknown) => {
    const key = txKey(tx);
    const result = resultOf(body);
    const first = record.acked.get(key);
    if (first) {
      record.replays += 1;
      if (status !== 200 || !sameAnswerButCustomer(result, first.result)) {
        record.problems.push(`${key}: re-post answered ${status} ${JSON.stringify(result)}, first answer ${JSON.stringify(first.result)}`);
      }
      record.replayedCustomers.push({ key, acknowledged: first.result.customer_id, replayed: result.customer_id });
      return;
    }
    record.acked.set(key, { tx, status: status as 200 | 201, result });
    record.unanswered.delete(key);
    ackedKeys.push(key);
    if (tx.kind === 'sale') ackedSaleKeys.push(key);
  };

  const answered = (tx: WireTx, status: number, body: unknown, isRepost: boolean) => {
    if (status === 200 || status === 201) return acknowledge(tx, status, body);
    const code = errorCodeOf(body) ?? '?';
    if (isRepost) record.problems.push(`${txKey(tx)}: re-post of an acknowledged receipt answered ${status} ${code}`);
    else if (status === 409 && code === 'insufficient_points') record.refused.set(txKey(tx), { tx, status, code });
    else record.problems.push(`${txKey(tx)}: answered ${status} ${JSON.stringify(body)}`);
  };

  /** POST; null when no answer arrived (the server died or never listened). */
  const post = async (path: string, payload: unknown): Promise<{ status: number; body: unknown } | null> => {
    record.requests += 1;
    try {
      const res = await fetch(`${opts.url}${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${opts.token}` },
        body: JSON.stringify(payload),
        signal: AbortSignal.timeout(timeoutMs),
      });
      return { status: res.status, body: await res.json() };
    } catch {
      return null;
    }
  };

  async function poster(index: number): Promise<void> {
    const rnd = seededRandom((opts.seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const terminal = `T${String(index + 1).padStart(2, '0')}`;
    let receipt = 0;
    const header = () => ({ store_id: 'S001', terminal_id: terminal, receipt_no: `${opts.tag}-${terminal}-${String(++receipt).padStart(5, '0')}` });

    const newSale = (): WireTx => {
      const lines = saleLines(rnd);
      let customer: WireTx['customer'];
      const who = rnd.next();
      const member = rnd.pick(MEMBERS);
      if (who < 0.52) customer = { loyalty_card: member.card };
      else if (who < 0.62) customer = { loyalty_card: member.card, phone: member.phone };
      else if (who < 0.67) customer = { phone: member.phone };
      else if (who < 0.68) customer = { loyalty_card: member.card, phone: rnd.pick(MEMBERS).phone };
      const occurredAt = Date.now() - rnd.int(0, 40 * 24 * 60) * MINUTE_MS;
      return {
        ...header(),
        occurred_at: isoPlus8(occurredAt),
        kind: 'sale',
        ...(customer ? { customer } : {}),
        lines,
        ...tendersFor(rnd, totalMinor(lines)),
        points_redeemed: customer && rnd.chance(0.12) ? rnd.int(1, 40) : 0,
      };
    };

    const returnOf = (sale: WireTx): WireTx => {
      const lines = sale.lines.filter(() => rnd.chance(0.6));
      if (lines.length === 0) lines.push(rnd.pick(sale.lines));
      const occurredAt = Math.min(Date.parse(sale.occurred_at) + rnd.int(1, 72) * 60 * MINUTE_MS, Date.now());
      return {
        ...header(),
        occurred_at: isoPlus8(occurredAt),
        kind: 'return',
        lines,
        tenders: [{ type: 'cash', amount: major(totalMinor(lines)) }],
        change: 0,
        points_redeemed: 0,
        original: { terminal_id: sale.terminal_id, receipt_no: sale.receipt_no },
      };
    };

    const single = async (tx: WireTx, isRepost: boolean) => {
      const res = await post('/api/v1/transactions', tx);
      if (res === null) {
        if (!isRepost) record.unanswered.set(txKey(tx), tx);
        return false;
      }
      answered(tx, res.status, res.body, isRepost);
      return true;
    };

    while (!dead && performance.now() - started < opts.deadlineMs) {
      const choice = rnd.next();
      let alive: boolean;
      if (choice < 0.08 && ackedKeys.length > 0) {
        alive = await single(record.acked.get(rnd.pick(ackedKeys))!.tx, true);
      } else if (choice < 0.18 && ackedSaleKeys.length > 0) {
        // Each sale is returned at most once (some of its lines): a second return could refund more than the
        // sale came to, which the store refuses (return_exceeds_sale).
        const [key] = ackedSaleKeys.splice(rnd.int(0, ackedSaleKeys.length - 1), 1);
        alive = await single(returnOf(record.acked.get(key!)!.tx), false);
      } else if (choice < 0.3) {
        record.batches += 1;
        const items = Array.from({ length: rnd.int(2, 10) }, newSale);
        const reposts = new Set<number>();
        if (ackedKeys.length > 0 && rnd.chance(0.4)) {
          const at = rnd.int(0, items.length);
          items.splice(at, 0, record.acked.get(rnd.pick(ackedKeys))!.tx);
          reposts.add(at);
        }
        const res = await post('/api/v1/transactions/batch', { transactions: items });
        if (res === null) {
          items.forEach((tx, i) => !reposts.has(i) && record.unanswered.set(txKey(tx), tx));
          alive = false;
        } else if (res.status !== 200) {
          record.problems.push(`batch answered ${res.status} ${JSON.stringify(res.body)}`);
          alive = true;
        } else {
          const { results } = parseWith(batchResultSchema, res.body, 'batch result');
          results.forEach((r) => answered(items[r.index]!, r.status, r, reposts.has(r.index)));
          alive = true;
        }
      } else {
        alive = await single(newSale(), false);
      }
      if (!alive) dead = true;
    }
  }

  await Promise.all(Array.from({ length: opts.posters }, (_, i) => poster(i)));
  return record;
}

/** Posts each transaction alone, `concurrency` at a time; answers in input order (null: no answer). */
export async function postEach(url: string, token: string, txs: readonly WireTx[], concurrency = 16): Promise<Array<{ status: number; body: unknown } | null>> {
  const answers: Array<{ status: number; body: unknown } | null> = new Array(txs.length).fill(null);
  let next = 0;
  const worker = async () => {
    while (next < txs.length) {
      const i = next++;
      try {
        const res = await fetch(`${url}/api/v1/transactions`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify(txs[i]),
        });
        answers[i] = { status: res.status, body: await res.json() };
      } catch {
        answers[i] = null;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return answers;
}
