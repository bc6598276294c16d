import { DAY_MS } from '../kernel/clock.ts';
import { type CatalogItem, MISSIONS } from './catalog.ts';
import type { Random } from './random.ts';

/*
 * Demo customers follow the story behind BG/NBD: while "alive" each buys at their own Poisson rate
 * (heterogeneous: gamma-distributed), and after every purchase may drop out for good (beta-distributed
 * probability). That makes churn learnable from recency and frequency, as in real stores.
 */

export interface DemoCustomer {
  index: number;
  joinAt: number;
  registered: boolean;
  card: string;
  phone: string;
  email: string | null;
  name: string;
  birthday: string;
  gender: 'f' | 'm';
  consent: { sms: boolean; email: boolean; push: boolean; call: boolean };
  /** Purchases per day while active. */
  rate: number;
  /** Probability of leaving after each purchase. */
  dropout: number;
  favourites: CatalogItem[];
  missions: string[][];
  favouriteCategories: string[];
}

const SURNAMES = ['Wang', 'Li', 'Zhang', 'Liu', 'Chen', 'Yang', 'Zhao', 'Huang', 'Zhou', 'Wu', 'Xu', 'Sun', 'Ma', 'Zhu', 'Hu', 'Guo', 'He', 'Lin', 'Gao', 'Luo'];
const GIVEN_F = ['Fang', 'Na', 'Min', 'Jing', 'Li', 'Yan', 'Xiu', 'Hui', 'Ying', 'Lan', 'Mei', 'Ting'];
const GIVEN_M = ['Wei', 'Qiang', 'Lei', 'Jun', 'Yong', 'Jie', 'Tao', 'Ming', 'Chao', 'Hao', 'Peng', 'Bo'];

export function makeDemoCustomers(rnd: Random, count: number, startMs: number, endMs: number, catalog: CatalogItem[]): DemoCustomer[] {
  const categories = [...new Set(catalog.map((i) => i.category))];
  const out: DemoCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const gender = rnd.chance(0.55) ? 'f' : 'm';
    const year = rnd.int(1950, 2006);
    const month = rnd.int(1, 12);
    const day = rnd.int(1, 28);
    const favouriteCategories = [rnd.pick(categories), rnd.pick(categories), rnd.pick(categories)];
    const inFavourites = catalog.filter((c) => favouriteCategories.includes(c.category));
    const smsConsent = rnd.chance(0.6);
    out.push({
      index: i,
      // Two thirds were members before the period began; the rest joined during it.
      joinAt: rnd.chance(0.66) ? startMs + rnd.next() * 30 * DAY_MS : startMs + rnd.next() * (endMs - startMs),
      registered: rnd.chance(0.65),
      card: `8800${String(i + 1).padStart(6, '0')}`,
      phone: `+86139${String(10_000_000 + i * 37).slice(-8)}`,
      email: rnd.chance(0.7) ? `member${i + 1}@example.cn` : null,
      name: `${rnd.pick(SURNAMES)} ${rnd.pick(gender === 'f' ? GIVEN_F : GIVEN_M)}`,
      birthday: `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`,
      gender,
      consent: { sms: smsConsent, email: rnd.chance(0.4), push: rnd.chance(0.5), call: smsConsent && rnd.chance(0.3) },
      // Mean gap between visits ~12 days, wide spread between customers.
      rate: rnd.gamma(1.3, 1 / (12 * 1.3)),
      dropout: rnd.beta(1.1, 9),
      favourites: Array.from({ length: rnd.int(2, 5) }, () => rnd.pick(inFavourites.length > 0 ? inFavourites : catalog)),
      missions: [rnd.pick(MISSIONS), rnd.pick(MISSIONS)],
      favouriteCategories,
    });
  }
  return out;
}

/** Purchase times of one customer in [joinAt, endMs): first visit soon after joining, then Poisson until dropout. */
export function purchaseTimes(rnd: Random, c: DemoCustomer, endMs: number): number[] {
  const times: number[] = [];
  let t = c.joinAt + rnd.exponential(1 / 3) * DAY_MS;
  while (t < endMs) {
    times.push(t);
    if (rnd.chance(c.dropout)) break;
    t += rnd.exponential(c.rate) * DAY_MS;
  }
  return times;
}
