import { Hono } from 'hono';
import type { AppDeps } from './app-deps.ts';
import type { BatchItemResult, BatchResult } from '../contract/ingest-results.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { AppError, errorBody } from '../kernel/errors.ts';
import { assertStorableText, limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { applyTransaction, ingestDepsFrom, type IngestOutcome } from './apply-transaction.ts';
import { normalizeTransaction } from '../ingest/normalize-transaction.ts';
import type { TransactionInput } from '../kernel/transaction-input.ts';
import { batchSchema, transactionSchema } from '../contract/transaction.ts';

export function ingestRoutes(deps: AppDeps) {
  const app = new Hono<AuthEnv>();
  const auth = requireRole(deps.sqlite, ACCESS.ingest);
  const ingestDeps = ingestDepsFrom(deps);
  const ctx = () => ({
    storeId: deps.config.STORE_ID,
    minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS,
    phoneRegion: deps.config.STORE_PHONE_REGION,
    now: deps.clock(),
  });
  const toInput = (raw: unknown, opts: { textChecked?: boolean } = {}): TransactionInput => {
    if (!opts.textChecked) assertStorableText(raw, 'the transaction');
    return normalizeTransaction(parseOr422(transactionSchema, raw, 'the transaction'), ctx());
  };
  // The customer's scores follow their new transaction: queued here, scored later off the POS path
  // (a rescore of a write that then rolls back only rescores the customer as they were).
  const store = (input: TransactionInput) => () => {
    const outcome = applyTransaction(ingestDeps, input, deps.clock());
    if (outcome.status === 201 && outcome.result.customer_id) deps.rescore.enqueue(outcome.result.customer_id);
    return outcome;
  };

  app.post('/transactions', limitBody(deps.config.MAX_BODY_BYTES), auth, async (c) => {
    const input = toInput(await readJson(c, { what: 'the transaction' }), { textChecked: true });
    const outcome = await deps.writes.run(store(input));
    return c.json(outcome.result, outcome.status);
  });

  /** One result per item, in order; items are independent (one bad item does not stop the others). */
  app.post('/transactions/batch', limitBody(deps.config.MAX_BATCH_BODY_BYTES), auth, async (c) => {
    // Text is checked per item, so one item's NUL does not refuse its neighbours.
    const { transactions } = parseOr422(batchSchema, await readJson(c, { allowBadText: true }), 'the batch');
    const prepared = transactions.map((raw) => {
      try {
        return { ok: true as const, input: toInput(raw) };
      } catch (error) {
        return { ok: false as const, error };
      }
    });
    const valid = prepared.flatMap((p) => (p.ok ? [p.input] : []));
    const stored = await deps.writes.runMany(valid.map(store));
    let next = 0;
    const results = prepared.map((p, index): BatchItemResult => {
      const outcome = p.ok ? stored[next++]! : { ok: false as const, error: p.error };
      if (outcome.ok) return { index, status: (outcome.value as IngestOutcome).status, ...(outcome.value as IngestOutcome).result };
      const e = outcome.error instanceof AppError ? outcome.error : new AppError(500, 'internal', 'unexpected error');
      return { index, status: e.status, ...errorBody(e.code, e.message, e.details) };
    });
    const count = (s: number) => results.filter((r) => r.status === s).length;
    const body: BatchResult = { results, stored: count(201), duplicates: count(200), rejected: results.length - count(201) - count(200) };
    return c.json(body, 200);
  });

  return app;
}
