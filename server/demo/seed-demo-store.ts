import { DAY_MS } from '../kernel/clock.ts';
import { AppError } from '../kernel/errors.ts';
import { registerCustomer } from '../identity/customer-write.service.ts';
import { applyTransaction, type IngestDeps } from '../orchestration/apply-transaction.ts';
import { runDailySweep } from '../orchestration/daily-sweep.ts';
import { type LineInput, nonVoidTotal, type TransactionInput } from '../kernel/transaction-input.ts';
import { zoneOffsetMinutes } from '../kernel/local-time.ts';
import { buildCatalog, type CatalogItem } from './catalog.ts';
import { demoBasket } from './demo-baskets.ts';
import { type DemoCustomer, makeDemoCustomers, purchaseTimes } from './demo-customers.ts';
import { seededRandom } from './random.ts';
import { includedVat } from './demo-vat.ts';

export interface SeedOptions {
  customers: number;
  months: number;
  seed: number;
  /** The store's "now": history ends here. */
  now: number;
  storeId: string;
  timeZone: string;
  phoneRegion: string;
}

export interface SeedSummary {
  customers: number;
  registered: number;
  transactions: number;
  returns: number;
  lines: number;
  skus: number;
}

type DemoEvent =
  | { t: number; kind: 'register'; customer: DemoCustomer }
  | { t: number; kind: 'sale'; customer: DemoCustomer | null }
  | { t: number; kind: 'return'; of: TransactionInput; line: LineInput };

const TERMINALS = ['T01', 'T02', 'T03', 'T04'];
const TENDERS = ['card', 'cash', 'wechat', 'alipay'];
const COUPONS = ['WELCOME10', 'MEMBER5', 'WEEKEND'];
const BATCH = 2000;

/**
 * Writes a living demo store through the real ingest path: registrations, member and anonymous sales in
 * opening hours, returns linked to their sale, voided lines, coupons and point redemptions. Events are
 * applied in time order, each with "now" = its own time, so points, tiers and stats are what they would
 * have been live. Deterministic for a given seed.
 */
export function seedDemoStore(
  deps: IngestDeps,
  opts: SeedOptions,
  onProgress?: (done: number, total: number) => void,
): SeedSummary {
  const rnd = seededRandom(opts.seed);
  const start = opts.now - opts.months * 30 * DAY_MS;
  const catalog = buildCatalog(rnd);
  const byCategory = Map.groupBy(catalog, (i) => i.category) as Map<string, CatalogItem[]>;
  const customers = makeDemoCustomers(rnd, opts.customers, start, opts.now, catalog);

  const events: DemoEvent[] = [];
  let memberSales = 0;
  for (const c of customers) {
    // Moved to a random time within the same day's opening hours, two visits on one day can swap order:
    // sorted again, so that the registration below precedes the earliest of them.
    const times = purchaseTimes(rnd, c, opts.now)
      .map((t) => inOpeningHours(rnd, t, opts))
      .sort((a, b) => a - b);
    // Registration comes before the first purchase, or that purchase would already have created them.
    if (c.registered) events.push({ t: Math.round(Math.min(c.joinAt, (times[0] ?? Infinity) - 60_000)), kind: 'register', customer: c });
    for (const t of times) events.push({ t, kind: 'sale', customer: c });
    memberSales += times.length;
  }
  // About 30% of sales are anonymous.
  for (let i = 0; i < Math.round(memberSales * 0.43); i++) {
    events.push({ t: inOpeningHours(rnd, start + rnd.next() * (opts.now - start), opts), kind: 'sale', customer: null });
  }
  events.sort((a, b) => a.t - b.t);

  const summary: SeedSummary = { customers: opts.customers, registered: 0, transactions: 0, returns: 0, lines: 0, skus: catalog.length };
  const receiptSeq = new Map<string, number>();
  const pendingReturns: DemoEvent[] = [];

  const apply = (e: DemoEvent) => {
    if (e.kind === 'register') {
      const c = e.customer;
      registerCustomer(
        deps.sqlite,
        { loyalty_card: c.card, phone: c.phone, email: c.email ?? undefined, name: c.name, birthday: c.birthday, gender: c.gender, consent: c.consent },
        { storeId: opts.storeId, phoneRegion: opts.phoneRegion, now: e.t, lifecycle: deps.lifecycle },
      );
      summary.registered += 1;
      return;
    }
    const terminal = rnd.pick(TERMINALS);
    const seq = (receiptSeq.get(terminal) ?? 0) + 1;
    receiptSeq.set(terminal, seq);
    const lines = e.kind === 'sale' ? demoBasket(rnd, byCategory, catalog, e.customer) : [e.line];
    const total = nonVoidTotal(lines);
    const tender = rnd.pick(TENDERS);
    const paid = tender === 'cash' ? Math.ceil(total / 1000) * 1000 : total;
    const input: TransactionInput = {
      storeId: opts.storeId,
      terminalId: terminal,
      receiptNo: `D${String(seq).padStart(7, '0')}`,
      kind: e.kind === 'return' ? 'return' : 'sale',
      occurredAt: Math.round(e.t),
      utcOffsetMin: zoneOffsetMinutes(opts.timeZone, e.t),
      customer: e.kind === 'sale' && e.customer ? [{ kind: 'card', value: e.customer.card }] : [],
      lines,
      tenders: [{ type: tender, amount: paid }],
      change: paid - total,
      coupons: e.kind === 'sale' && rnd.chance(0.08) ? [rnd.pick(COUPONS)] : [],
      pointsRedeemed: e.kind === 'sale' && e.customer && rnd.chance(0.05) ? 100 : 0,
      original: e.kind === 'return' ? { storeId: e.of.storeId, terminalId: e.of.terminalId, receiptNo: e.of.receiptNo } : null,
      tax: { amount: includedVat(total), included: true },
      source: 'seed',
    };
    if (!tryApply(input)) {
      // Not enough points for the redemption: the customer pays in full instead.
      input.pointsRedeemed = 0;
      tryApply(input);
    }
    summary.transactions += 1;
    summary.lines += lines.length;
    if (e.kind === 'return') summary.returns += 1;
    else if (e.customer && rnd.chance(0.02)) {
      const line = lines.find((l) => !l.void);
      const t = e.t + rnd.int(1, 10) * DAY_MS;
      if (line && t < opts.now) pendingReturns.push({ t: inOpeningHours(rnd, t, opts), kind: 'return', of: input, line: { ...line } });
    }
  };

  const tryApply = (input: TransactionInput): boolean => {
    deps.sqlite.run('SAVEPOINT seed_item');
    try {
      applyTransaction(deps, input, input.occurredAt);
      deps.sqlite.run('RELEASE seed_item');
      return true;
    } catch (error) {
      deps.sqlite.run('ROLLBACK TO seed_item');
      deps.sqlite.run('RELEASE seed_item');
      if (error instanceof AppError && error.code === 'insufficient_points') return false;
      throw error;
    }
  };

  let done = 0;
  for (let i = 0; i < events.length; i += BATCH) {
    deps.sqlite.transaction(() => {
      for (const e of events.slice(i, i + BATCH)) {
        pendingReturns.sort((a, b) => a.t - b.t);
        while (pendingReturns.length > 0 && pendingReturns[0]!.t <= e.t) apply(pendingReturns.shift()!);
        apply(e);
      }
    })();
    done = Math.min(events.length, i + BATCH);
    onProgress?.(done, events.length);
  }
  // History ends now: let time move every customer to where they stand today.
  runDailySweep(deps, opts.now);
  return summary;
}

/** Moves a moment into the store's opening hours (08:00–22:00 local) on the same local day. */
function inOpeningHours(rnd: ReturnType<typeof seededRandom>, t: number, opts: SeedOptions): number {
  const offsetMs = zoneOffsetMinutes(opts.timeZone, t) * 60_000;
  const localMidnight = Math.floor((t + offsetMs) / DAY_MS) * DAY_MS - offsetMs;
  const moment = localMidnight + (8 + rnd.next() * 14) * 3_600_000;
  return Math.round(Math.min(moment, opts.now - 60_000));
}

