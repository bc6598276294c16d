import { earliestLivePostAt } from '../kernel/config.ts';
import { Hono } from 'hono';
import type { AppDeps } from './app-deps.ts';
import type { PosLogStatus } from '../contract/enums.ts';
import type { PosLogItemResult, PosLogResult } from '../contract/ingest-results.ts';
import { ACCESS, type AuthEnv, requireRole } from '../auth/auth.middleware.ts';
import { AppError, errorBody } from '../kernel/errors.ts';
import { bodyBytes, limitBody } from '../http/request-body.ts';
import { createTransactionStore } from './store-transactions.ts';
import { mapPosLogTransaction } from '../ingest/poslog/map-poslog-transaction.ts';
import { PosLogFormatError, parsePosLogDocument } from '../ingest/poslog/read-poslog-xml.ts';
import { charsetOf, decodeXml } from '../ingest/poslog/xml-text-decoding.ts';
import type { TransactionInput } from '../kernel/transaction-input.ts';
import type { XmlNode } from '../ingest/poslog/xml-node.ts';

/*
 * POST /api/v1/poslog: an ARTS POSLog document straight from the POS (application/xml or text/xml). The
 * whole document is parsed before anything is written, so malformed XML (400 malformed_xml) leaves
 * nothing behind. Its retail transactions then go through the same write queue and ingest rules as the
 * JSON API, one result per transaction in document order; `index` is the position of the <Transaction>
 * element in the document (control transactions take an index but get no result). A mixed sale/return
 * gives two results with the same index (receipts R and R#R).
 */

const XML_MEDIA_TYPE = /^\s*(application|text)\/([\w.-]+\+)?xml\s*(;|$)/i;

export function posLogRoutes(deps: AppDeps) {
  const app = new Hono<AuthEnv>();
  const auth = requireRole(deps.auth, ACCESS.ingest);
  const store = createTransactionStore(deps);

  app.post('/poslog', auth, limitBody(deps.config.MAX_BATCH_BODY_BYTES), async (c) => {
    const contentType = c.req.header('content-type') ?? '';
    if (!XML_MEDIA_TYPE.test(contentType)) {
      throw new AppError(415, 'unsupported_media_type', 'POSLog is posted as application/xml or text/xml', { content_type: contentType || null });
    }
    let nodes: XmlNode[];
    try {
      nodes = parsePosLogDocument(decodeXml(await bodyBytes(c), charsetOf(contentType)));
    } catch (error) {
      if (!(error instanceof PosLogFormatError)) throw error;
      throw new AppError(400, 'malformed_xml', `the body is not a well-formed POSLog document: ${error.message}`, { line: error.line, column: error.column });
    }

    const ctx = {
      storeId: deps.config.STORE_ID,
      minorDigits: deps.config.STORE_CURRENCY_MINOR_DIGITS,
      timeZone: deps.config.STORE_TZ,
      phoneRegion: deps.config.STORE_PHONE_REGION,
      now: deps.clock(),
      earliestAt: earliestLivePostAt(deps.config, deps.clock()),
    };
    const results: PosLogItemResult[] = [];
    const writes: Array<{ slot: number; input: TransactionInput }> = [];
    nodes.forEach((node, index) => {
      const outcome = mapPosLogTransaction(node, ctx);
      const line = outcome.line;
      if (outcome.type === 'ignored') return;
      if (outcome.type === 'skipped') results.push({ index, receipt_no: outcome.receiptNo, status: 'skipped', line, reason: outcome.reason });
      else if (outcome.type === 'rejected') {
        results.push({ index, receipt_no: outcome.receiptNo, status: 'rejected', line, error: errorBody(outcome.code, outcome.reason, { line }).error });
      } else {
        for (const input of outcome.inputs) {
          writes.push({ slot: results.length, input });
          results.push({ index, receipt_no: input.receiptNo, status: 'stored', line });
        }
      }
    });

    const stored = await store.many(writes.map((w) => w.input));
    writes.forEach(({ slot }, i) => {
      const item = stored[i]!;
      const result = results[slot]!;
      if (item.ok) {
        const { status, result: r } = item.outcome;
        Object.assign(result, { status: status === 201 ? 'stored' : 'duplicate', id: r.id, customer_id: r.customer_id, original_id: r.original_id } satisfies Partial<PosLogItemResult>);
      } else {
        const e = item.error;
        Object.assign(result, { status: 'rejected', error: errorBody(e.code, e.message, e.details).error } satisfies Partial<PosLogItemResult>);
      }
    });
    const count = (s: PosLogStatus) => results.filter((r) => r.status === s).length;
    const body: PosLogResult = { results, stored: count('stored'), duplicates: count('duplicate'), rejected: count('rejected'), skipped: count('skipped') };
    return c.json(body, 200);
  });

  return app;
}
