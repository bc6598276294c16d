import { csvCell } from '../kernel/csv-cell.ts';
import type { HqProfile } from '../contract/hq.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import type { CentralDb } from './central-db.ts';
import { type ProfileKey, pageOfProfiles } from './hq-profiles.ts';

/*
 * Every profile as GET /profiles answers them, read in keyset pages so the export never holds more than a
 * page. A customer changed while the export runs may come twice (it moved behind the export's position):
 * the later line is the current one.
 */

const PAGE = 500;

export async function* allProfiles(db: CentralDb, rules: LifecycleRules, since: number | null, clock: () => number): AsyncGenerator<HqProfile> {
  let after: ProfileKey | null = null;
  do {
    const page = await pageOfProfiles(db, rules, { since, after, limit: PAGE }, clock());
    yield* page.items;
    after = page.next;
  } while (after !== null);
}

export const CSV_COLUMNS = [
  'global_id',
  'updated_at',
  'erased_at',
  'stores',
  'visits',
  'returns',
  'spend_minor',
  'first_purchase_at',
  'last_purchase_at',
  'stage',
  'stage_since',
] as const;
export function csvRow(p: HqProfile): string {
  const cells = [
    p.global_id,
    p.updated_at,
    p.erased_at,
    p.stores.join(';'),
    p.chain?.visits ?? null,
    p.chain?.returns ?? null,
    p.chain?.spend_minor ?? null,
    p.chain?.first_purchase_at ?? null,
    p.chain?.last_purchase_at ?? null,
    p.stage?.stage ?? null,
    p.stage?.since ?? null,
  ];
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export const csvHeader = `${CSV_COLUMNS.join(',')}\r\n`;
