/**
 * A reference point for bench:ingest, run as its own process: `bun bench/support/validate-only-server.ts`
 * prints its port, then answers `POST /api/v1/transactions` the way the appliance does up to the database
 * (body limit, JSON, the wire schema, normalization, content hash) and answers 201 without storing
 * anything; `GET /livez` as the appliance. Its tx/s is what the HTTP and validation work alone allow on
 * this machine, beside the same load generator.
 */
import { Hono } from 'hono';
import { limitBody, parseOr422, readJson } from '../../server/http/request-body.ts';
import { contentHash } from '../../server/ingest/content-hash.ts';
import { normalizeTransaction } from '../../server/ingest/normalize-transaction.ts';
import { transactionSchema } from '../../server/contract/transaction.ts';
import { testConfig } from '../../server/kernel/config.ts';

const config = testConfig();
const app = new Hono();
app.get('/livez', (c) => c.text('ok'));
app.post('/api/v1/transactions', limitBody(config.MAX_BODY_BYTES), async (c) => {
  const raw = await readJson(c, { what: 'the transaction' });
  const input = normalizeTransaction(parseOr422(transactionSchema, raw, 'the transaction'), {
    storeId: config.STORE_ID,
    minorDigits: config.STORE_CURRENCY_MINOR_DIGITS,
    phoneRegion: config.STORE_PHONE_REGION,
    now: Date.now(),
  });
  return c.json({ id: contentHash(input).slice(0, 26), customer_id: null, points_earned: 0, points_reversed: 0, points_redeemed: 0, points_balance: null, original_id: null }, 201);
});
const server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: app.fetch });
console.log(server.port);
