import { AppError } from '../kernel/errors.ts';
import type { TransactionInput } from '../kernel/transaction-input.ts';
import type { AppDeps } from './app-deps.ts';
import { applyTransaction, ingestDepsFrom, type IngestOutcome } from './apply-transaction.ts';
import { errorFields, type Logger } from '../kernel/log.ts';

export type StoredItem = { ok: true; outcome: IngestOutcome } | { ok: false; error: AppError };

/**
 * The one way live transactions are stored, whoever brings them (the JSON API one at a time or in a batch,
 * a POSLog document, and later the sync receiver): through the write queue, each in its own savepoint so a
 * bad item rolls back alone. A customer's scores follow their new transaction: the customer is queued for
 * rescoring here, scored later off the POS path (a rescore of a write that then rolls back only rescores
 * the customer as they were).
 */
export function createTransactionStore(deps: AppDeps) {
  const ingestDeps = ingestDepsFrom(deps);
  const apply = (input: TransactionInput) => (): IngestOutcome => {
    const outcome = applyTransaction(ingestDeps, input, deps.clock());
    if (outcome.status === 201 && outcome.result.customer_id) deps.rescore.enqueue(outcome.result.customer_id);
    return outcome;
  };
  // "Now at the till": a newly stored sale that named the customer tells the tablets, once it is durable.
  const announce = (input: TransactionInput, outcome: IngestOutcome): void => {
    if (outcome.status === 201 && input.kind === 'sale' && input.customer.length > 0 && outcome.result.customer_id) {
      deps.presence.publish(outcome.result.customer_id, input.terminalId, deps.clock(), 'sale');
    }
  };
  return {
    async one(input: TransactionInput): Promise<IngestOutcome> {
      const outcome = await deps.writes.run(apply(input));
      announce(input, outcome);
      return outcome;
    },
    /** One result per input, in order; items are independent (one refused item does not stop the others). */
    async many(inputs: readonly TransactionInput[]): Promise<StoredItem[]> {
      const stored = await deps.writes.runMany(inputs.map(apply));
      stored.forEach((s, i) => s.ok && announce(inputs[i]!, s.value));
      return stored.map((s) => (s.ok ? { ok: true, outcome: s.value } : { ok: false, error: asAppError(s.error, deps.log) }));
    },
  };
}

/** An item's failure as the caller reports it: the domain's error, or a logged 500 for anything unexpected. */
export function asAppError(error: unknown, log: Logger): AppError {
  if (error instanceof AppError) return error;
  // Its message may quote the transaction (a card number, a phone): name and code only.
  log.error('ingest.failed', errorFields(error, { message: false }));
  return new AppError(500, 'internal', 'unexpected error');
}
