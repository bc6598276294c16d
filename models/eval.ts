import { cpus, totalmem } from 'node:os';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runPredict, runTrain } from '../server/cli/models.command.ts';
import { parseAsOf } from '../server/scoring/as-of.ts';
import { readHistoriesFromCsv } from '../server/scoring/history.ts';
import { DAY_MS, purchaseDaysBetween, rfmAt } from '../server/scoring/customer-features.ts';
import { conditionalExpectedTransactions } from '../server/scoring/bgnbd.ts';
import { meanAbsoluteError, rocAuc } from '../server/scoring/binary-metrics.ts';
import { CUSTOMER_MODELS_FILE, type CustomerModelsManifest } from '../server/scoring/customer-training.ts';
import { readNextBasketTruths } from '../server/scoring/recommend/next-basket-truths.ts';
import { scoreNextBaskets } from '../server/scoring/recommend/metrics.ts';
import { purchaseSequence } from '../server/scoring/recommend/purchase-sequence.ts';
import { globalTopFrequent, personalThenGlobalTopFrequent, personalTopFrequent, tifuKnn } from '../server/scoring/recommend/baselines.ts';

/*
 * npm run eval:models — train + predict through the CLI code paths on CDNOW and Ta-Feng (../shared/datasets),
 * our metrics beside baselines computed in the same run, wall times; writes models/EVAL.md and adds the figures
 * to the run's model cards (kept in models/eval-out/, not committed).
 */

const DATA = join(import.meta.dirname, '..', '..', 'shared', 'datasets');
const OUT = join(import.meta.dirname, 'eval-out');
const log = (m: string) => console.error(`  ${m}`);

function readPredictions(path: string) {
  const rows = new Map<string, { p: number; e: number; recs: string[] }>();
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  if (lines[0] !== 'customer_id,p_purchase,expected_purchases,recommendations') throw new Error(`${path}: unexpected header ${lines[0]}`);
  for (const line of lines.slice(1)) {
    const [id, p, e, recs] = line.split(',');
    rows.set(id!, { p: Number(p), e: Number(e), recs: recs ? recs.split(' ') : [] });
  }
  return rows;
}

async function timed<T>(f: () => Promise<T>): Promise<{ value: T; seconds: number }> {
  const t0 = performance.now();
  const value = await f();
  return { value, seconds: (performance.now() - t0) / 1000 };
}

function addToCards(dir: string, figures: unknown) {
  for (const name of ['p_purchase', 'expected_purchases']) {
    const path = join(dir, `${name}.card.json`);
    const card = JSON.parse(readFileSync(path, 'utf8')) as { metrics: Record<string, unknown> };
    card.metrics.evaluation = figures;
    writeFileSync(path, `${JSON.stringify(card, null, 2)}\n`);
  }
}

async function evalCdnow() {
  console.error('CDNOW: as-of 1997-09-30, horizon 273 days');
  const lines = join(DATA, 'cdnow', 'lines.csv');
  const dir = join(OUT, 'cdnow');
  rmSync(dir, { recursive: true, force: true });
  const train = await timed(() => runTrain(['--lines', lines, '--as-of', '1997-09-30', '--horizon-days', '273', '--out', dir], log));
  const predict = await timed(() => runPredict(['--lines', lines, '--as-of', '1997-09-30', '--models', dir, '--k', '10', '--out', join(dir, 'predictions.csv')], log));
  const pred = readPredictions(join(dir, 'predictions.csv'));
  const asOf = parseAsOf('1997-09-30');
  const { histories } = await readHistoriesFromCsv(lines);
  const manifest = JSON.parse(readFileSync(join(dir, CUSTOMER_MODELS_FILE), 'utf8')) as CustomerModelsManifest;
  const ids = [...pred.keys()];
  const actual = ids.map((id) => purchaseDaysBetween(histories.get(id)!, asOf, asOf + 273 * DAY_MS));
  const bought = actual.map((a) => a > 0);
  const ours = { p: ids.map((id) => pred.get(id)!.p), e: ids.map((id) => pred.get(id)!.e) };
  const bg = ids.map((id) => conditionalExpectedTransactions(manifest.bgnbd, 273 / 7, rfmAt(histories.get(id)!, asOf)!));
  const recency = ids.map((id) => {
    const r = rfmAt(histories.get(id)!, asOf)!;
    return -(r.T - r.tx); // weeks since the last purchase, negated: more recent ranks higher
  });
  const sum = (a: number[]) => a.reduce((s, v) => s + v, 0);
  const figures = {
    customers: ids.length,
    actual_total: sum(actual),
    ours: { auc_p_purchase: rocAuc(ours.p, bought), auc_expected: rocAuc(ours.e, bought), mae: meanAbsoluteError(ours.e, actual), total: sum(ours.e) },
    bgnbd: { auc: rocAuc(bg, bought), mae: meanAbsoluteError(bg, actual), total: sum(bg), params: manifest.bgnbd },
    recency_only: { auc: rocAuc(recency, bought) },
    seconds: { train: train.seconds, predict: predict.seconds },
  };
  addToCards(dir, { dataset: 'CDNOW full file', protocol: 'as-of 1997-09-30, 39-week holdout', ...figures });
  return figures;
}

async function evalTafeng() {
  console.error('Ta-Feng: as-of 2001-03-01T12:00:00+08:00, horizon 7 days');
  const lines = join(DATA, 'tafeng', 'lines.csv.gz');
  const asOfText = '2001-03-01T12:00:00+08:00';
  const dir = join(OUT, 'tafeng');
  rmSync(dir, { recursive: true, force: true });
  const train = await timed(() => runTrain(['--lines', lines, '--as-of', asOfText, '--horizon-days', '7', '--out', dir], log));
  const predict = await timed(() => runPredict(['--lines', lines, '--as-of', asOfText, '--models', dir, '--k', '10', '--out', join(dir, 'predictions.csv')], log));
  const pred = readPredictions(join(dir, 'predictions.csv'));
  const truths = readNextBasketTruths(join(DATA, 'tafeng', 'next_basket_validation.csv'));
  const asOf = parseAsOf(asOfText);
  const { histories } = await readHistoriesFromCsv(lines, { until: asOf });
  const ours = scoreNextBaskets(new Map([...pred].map(([id, r]) => [id, r.recs])), truths, 10);
  const sequences = [...histories.values()].map((h) => purchaseSequence(h, asOf));
  const globalTop = globalTopFrequent(sequences, 10);
  const byId = new Map(sequences.map((s) => [s.customerId, s]));
  const queries = [...truths.keys()].map((id) => byId.get(id)).filter((s) => s !== undefined);
  const pTop = scoreNextBaskets(new Map(queries.map((s) => [s.customerId, personalTopFrequent(s, 10)])), truths, 10);
  const gpTop = scoreNextBaskets(new Map(queries.map((s) => [s.customerId, personalThenGlobalTopFrequent(s, globalTop, 10)])), truths, 10);
  const tifu = scoreNextBaskets(tifuKnn(sequences, queries, 10), truths, 10);
  const figures = {
    users: ours.users,
    ours: { recall10: ours.recall, ndcg10: ours.ndcg },
    p_topfreq: { recall10: pTop.recall, ndcg10: pTop.ndcg },
    gp_topfreq: { recall10: gpTop.recall, ndcg10: gpTop.ndcg },
    tifu_knn: { recall10: tifu.recall, ndcg10: tifu.ndcg },
    seconds: { train: train.seconds, predict: predict.seconds },
  };
  addToCards(dir, { dataset: 'Ta-Feng (Reality Check preprocessing)', protocol: 'next basket at 2001-03-01, validation users', recommendations: figures });
  return figures;
}

const f4 = (v: number) => v.toFixed(4);
const f3 = (v: number) => v.toFixed(3);
const only = process.argv.slice(2);
mkdirSync(OUT, { recursive: true });
const cd = only.length === 0 || only.includes('cdnow') ? await evalCdnow() : null;
const tf = only.length === 0 || only.includes('tafeng') ? await evalTafeng() : null;

const md: string[] = [
  '# Model evaluation',
  '',
  `Run ${new Date().toISOString()} on ${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB, ` +
    `by \`npm run eval:models\` (train + predict through the CLI code, baselines computed in the same run; machine shared with other work).`,
  '',
];
if (cd) {
  md.push(
    '## CDNOW — as-of 1997-09-30, 39-week holdout (horizon 273 days), all customers',
    '',
    `${cd.customers} customers; ${cd.actual_total} holdout repeat purchase days.`,
    '',
    '| model | AUC (buys in holdout) | MAE (holdout purchases) | predicted total |',
    '|---|---|---|---|',
    `| ours: p_purchase / expected_purchases | ${f4(cd.ours.auc_p_purchase)} / ${f4(cd.ours.auc_expected)} | ${f4(cd.ours.mae)} | ${Math.round(cd.ours.total)} |`,
    `| BG/NBD (our fit, same run) | ${f4(cd.bgnbd.auc)} | ${f4(cd.bgnbd.mae)} | ${Math.round(cd.bgnbd.total)} |`,
    `| recency only | ${f4(cd.recency_only.auc)} | – | – |`,
    '',
    `Published anchors: BG/NBD AUC 0.763, MAE 0.819, total 16,874 vs 19,684; recency AUC 0.759. ` +
      `Wall time: train ${f3(cd.seconds.train)} s, predict ${f3(cd.seconds.predict)} s.`,
    '',
  );
}
if (tf) {
  md.push(
    '## Ta-Feng — next basket at 2001-03-01T12:00:00+08:00, validation users',
    '',
    `${tf.users} users with a target basket.`,
    '',
    '| recommender | Recall@10 | NDCG@10 |',
    '|---|---|---|',
    `| ours (ranker) | ${f4(tf.ours.recall10)} | ${f4(tf.ours.ndcg10)} |`,
    `| P-TopFreq | ${f4(tf.p_topfreq.recall10)} | ${f4(tf.p_topfreq.ndcg10)} |`,
    `| GP-TopFreq | ${f4(tf.gp_topfreq.recall10)} | ${f4(tf.gp_topfreq.ndcg10)} |`,
    `| TIFU-KNN (published Ta-Feng setting) | ${f4(tf.tifu_knn.recall10)} | ${f4(tf.tifu_knn.ndcg10)} |`,
    '',
    `Wall time: train ${f3(tf.seconds.train)} s, predict ${f3(tf.seconds.predict)} s (customer models with horizon 7 days + item ranker).`,
    '',
  );
}
const text = md.join('\n');
if (only.length === 0) writeFileSync(join(import.meta.dirname, 'EVAL.md'), text);
writeFileSync(join(OUT, 'figures.json'), `${JSON.stringify({ cdnow: cd, tafeng: tf }, null, 2)}\n`);
process.stdout.write(`${text}\n`);
