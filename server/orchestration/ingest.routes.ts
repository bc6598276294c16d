import { earliestLivePostAt } from '../kernel/config.ts';
import { Hono } from 'hono';
import type { AppDeps } from './app-deps.ts';
import type { BatchItemResult, BatchResult } from '../contract/ingest-results.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { errorBody } from '../kernel/errors.ts';
import { assertStorableText, limitBody, parseOr422, readJson } from '../http/request-body.ts';
import { asAppError, createTransactionStore, type StoredItem } from './store-transactions.ts';
import { normalizeTransaction } from '../ingest/normalize-transaction.ts';
import type { TransactionInput } from '../kernel/transaction-input.ts';
import { batchSchema, transactionSchema } from '../contract/transaction.ts';

export function ingestRoutes(deps: AppDeps) {
  const app = new Hono<AuthEnv>();
  const auth = requireRole(deps.auth, ACCESS.ingest);
  const store = createTransactionStore(deps);
  const ctx = () => ({
    storeId: deps.config.STORE_ID,
    minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS,
    phoneRegion: deps.config.STORE_PHONE_REGION,
    now: deps.clock(),
    earliestAt: earliestLivePostAt(deps.config, deps.clock()),
  });
  const toInput = (raw: unknown, opts: { textChecked?: boolean } = {}): TransactionInput => {
    if (!opts.textChecked) assertStorableText(raw, 'the transaction');
    return normalizeTransaction(parseOr422(transactionSchema, raw, 'the transaction'), ctx());
  };

  app.post('/transactions', auth, limitBody(deps.config.MAX_BODY_BYTES), async (c) => {
    const input = toInput(await readJson(c, { what: 'the transaction' }), { textChecked: true });
    const outcome = await store.one(input);
    return c.json(outcome.result, outcome.status);
  });

  /** One result per item, in order; items are independent (one bad item does not stop the others). */
  app.post('/transactions/batch', auth, limitBody(deps.config.MAX_BATCH_BODY_BYTES), async (c) => {
    // Text is checked per item, so one item's NUL does not refuse its neighbours.
    const { transactions } = parseOr422(batchSchema, await readJson(c, { allowBadText: true }), 'the batch');
    const prepared = transactions.map((raw): StoredItem | TransactionInput => {
      try {
        return toInput(raw);
      } catch (error) {
        return { ok: false, error: asAppError(error, deps.log) };
      }
    });
    const stored = await store.many(prepared.filter((p): p is TransactionInput => !('ok' in p)));
    let next = 0;
    const results = prepared.map((p, index): BatchItemResult => {
      const item = 'ok' in p ? p : stored[next++]!;
      if (item.ok) return { index, status: item.outcome.status, ...item.outcome.result };
      return { index, status: item.error.status, ...errorBody(item.error.code, item.error.message, item.error.details) };
    });
    const count = (s: number) => results.filter((r) => r.status === s).length;
    const body: BatchResult = { results, stored: count(201), duplicates: count(200), rejected: results.length - count(201) - count(200) };
    return c.json(body, 200);
  });

  return app;
}
