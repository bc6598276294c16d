import { parseArgs } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAsOf } from '../server/scoring/as-of.ts';
import { readHistoriesFromCsv } from '../server/scoring/history.ts';
import { DAY_MS, purchaseDaysBetween } from '../server/scoring/customer-features.ts';
import { trainCustomerModels } from '../server/scoring/customer-training.ts';
import { loadCustomerScorer } from '../server/scoring/customer-scorer.ts';
import { meanAbsoluteError, rocAuc } from '../server/scoring/binary-metrics.ts';
import { buildCustomerRows } from '../server/scoring/customer-rows.ts';

/*
 * Tuning on the training period only: pretend the as-of is `--back` days earlier, train on what was known then
 * with horizon = back, and score the customers' purchases in the `back` days that follow (all before the real
 * as-of). Nothing after the real as-of is read. Prints AUC / MAE of the learned models and of BG/NBD for each variant
 * (the learned candidate is served here, without the internal split's choice).
 *   bun models/tune-internal.ts --lines F --as-of ISO --back DAYS [--variants JSON]
 */
const { values } = parseArgs({ args: process.argv.slice(2), options: { lines: { type: 'string' }, 'as-of': { type: 'string' }, back: { type: 'string' }, variants: { type: 'string' } } });
const asOf = parseAsOf(values['as-of']);
const back = Number(values.back);
const inner = asOf - back * DAY_MS;
const { histories } = await readHistoriesFromCsv(values.lines!, { until: asOf });
const known = new Map([...histories].map(([id, h]) => [id, { ...h, baskets: h.baskets.filter((b) => b.at <= inner) }]));
const variants = JSON.parse(values.variants ?? '{"default":{}}') as Record<string, { xgb?: Record<string, number>; opts?: Record<string, unknown> }>;
for (const [name, v] of Object.entries(variants)) {
  const dir = mkdtempSync(join(tmpdir(), 'tune-'));
  const t0 = performance.now();
  const { report } = await trainCustomerModels(known, inner, dir, { horizonDays: back, xgbParams: v.xgb, served: { p_purchase: 'learned', expected_purchases: 'learned' }, ...v.opts });
  const seconds = (performance.now() - t0) / 1000;
  const scorer = await loadCustomerScorer(dir);
  const scores = await scorer.score(known.values(), inner);
  await scorer.close();
  const actual = scores.map((s) => purchaseDaysBetween(histories.get(s.customerId)!, inner, inner + back * DAY_MS));
  const bought = actual.map((a) => a > 0);
  const rows = buildCustomerRows(known.values(), inner, scorer.manifest.bgnbd, back, back);
  const bg = Array.from(rows.offsetCount, (v) => Math.exp(v));
  const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
  console.log(JSON.stringify({
    variant: name,
    customers: scores.length,
    auc_p: rocAuc(scores.map((s) => s.pPurchase), bought).toFixed(4),
    auc_e: rocAuc(scores.map((s) => s.expectedPurchases), bought).toFixed(4),
    auc_bgnbd: rocAuc(bg, bought).toFixed(4),
    mae: meanAbsoluteError(scores.map((s) => s.expectedPurchases), actual).toFixed(4),
    mae_bgnbd: meanAbsoluteError(bg, actual).toFixed(4),
    total: Math.round(sum(scores.map((s) => s.expectedPurchases))),
    total_bgnbd: Math.round(sum(bg)),
    actual: sum(actual),
    rounds: [report.p_purchase?.rounds, report.expected_purchases?.rounds],
    seconds: seconds.toFixed(1),
  }));
  rmSync(dir, { recursive: true, force: true });
}
