import * as z from 'zod';
import { lookupQuerySchema, registerCustomerSchema, updateCustomerSchema } from '../identity/customer.schema.ts';
import { outcomeSchema } from '../actions/actions.routes.ts';
import { exportQuerySchema, overviewQuerySchema } from '../analytics/analytics.routes.ts';
import { batchSchema, ingestResultSchema, transactionSchema } from '../ingest/transaction.schema.ts';

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function openApiDocument(storeName: string) {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const json = (s: z.ZodType) => ({ content: { 'application/json': { schema: schema(s) } } });
  const error = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), error]));
  const security = (role: string) => [{ bearer: [role] }];
  const queryParams = (s: z.ZodObject) => {
    const js = schema(s) as { properties?: Record<string, unknown>; required?: string[] };
    return Object.entries(js.properties ?? {}).map(([name, sch]) => ({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: sch }));
  };
  return {
    openapi: '3.1.0',
    info: { title: `${storeName} — store appliance API`, version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['error'],
          properties: { error: { type: 'object', required: ['code', 'message', 'details'], properties: { code: { type: 'string' }, message: { type: 'string' }, details: {} } } },
        },
        Transaction: schema(transactionSchema),
        IngestResult: schema(ingestResultSchema),
      },
    },
    paths: {
      '/health': { get: { summary: 'Liveness and database check', responses: { '200': { description: 'ok' } } } },
      '/api/v1/transactions': {
        post: {
          summary: 'Post one POS transaction (idempotent by store, terminal and receipt number)',
          security: security('terminal'),
          requestBody: json(transactionSchema),
          responses: { '201': { description: 'stored', ...json(ingestResultSchema) }, '200': { description: 'already stored: the first result', ...json(ingestResultSchema) }, ...errors(400, 401, 403, 409, 413, 422) },
        },
      },
      '/api/v1/transactions/batch': {
        post: {
          summary: 'Post up to 1000 transactions; one result per item',
          security: security('terminal'),
          requestBody: json(batchSchema),
          responses: { '200': { description: 'per-item results' }, ...errors(400, 401, 403, 413, 422) },
        },
      },
      '/api/v1/poslog': {
        post: {
          summary: 'Post an ARTS POSLog document (retail transactions; control transactions are ignored; cancelled, voided and training ones skipped)',
          security: security('terminal'),
          requestBody: { content: { 'application/xml': { schema: { type: 'string' } }, 'text/xml': { schema: { type: 'string' } } } },
          responses: {
            '200': {
              description: 'one result per retail transaction: {results:[{index, receipt_no, status: stored|duplicate|rejected|skipped, line, id?, customer_id?, original_id?, reason?, error?}], stored, duplicates, rejected, skipped}',
            },
            '400': { ...error, description: 'malformed_xml: not well-formed XML or not POSLog; nothing was stored' },
            ...errors(401, 403, 413, 415),
          },
        },
      },
      '/api/v1/customers': {
        post: { summary: 'Register a customer', security: security('clerk'), requestBody: json(registerCustomerSchema), responses: { '201': { description: 'the profile' }, ...errors(400, 401, 403, 409, 422) } },
      },
      '/api/v1/customers/lookup': {
        get: {
          summary: 'Find a customer by card, phone, email or member id',
          security: security('clerk'),
          parameters: queryParams(lookupQuerySchema),
          responses: { '200': { description: 'the profile' }, ...errors(401, 403, 404, 422) },
        },
      },
      '/api/v1/customers/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: 'Customer profile', security: security('clerk'), responses: { '200': { description: 'the profile' }, ...errors(401, 403, 404, 410) } },
        patch: { summary: 'Update profile, consent or identifiers', security: security('clerk'), requestBody: json(updateCustomerSchema), responses: { '200': { description: 'the profile' }, ...errors(400, 401, 403, 404, 409, 410, 422) } },
        delete: { summary: 'Erase personal data (keeps de-identified facts)', security: security('manager'), responses: { '200': { description: 'erased' }, ...errors(401, 403, 404, 410) } },
      },
      '/api/v1/customers/{id}/actions': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: 'Ranked next-best actions (script, reason, offer, items) and the ones guardrails suppressed', security: security('clerk'), responses: { '200': { description: 'actions' }, ...errors(401, 403, 404, 410) } },
      },
      '/api/v1/actions/{id}/outcome': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        post: { summary: 'Record what came of an action: done, declined, not now; survey answer; note', security: security('clerk'), requestBody: json(outcomeSchema), responses: { '200': { description: 'recorded' }, ...errors(401, 403, 404, 409, 422) } },
      },
      '/api/v1/analytics/overview': {
        get: { summary: 'Store figures over [from, to): stages, revenue shares, repeat conversion, cohorts, returns, actions, segments', security: security('manager'), parameters: queryParams(overviewQuerySchema), responses: { '200': { description: 'figures' }, ...errors(401, 403, 422) } },
      },
      '/api/v1/audiences/export': {
        get: { summary: 'CSV of consenting customers of a stage/segment for a channel', security: security('manager'), parameters: queryParams(exportQuerySchema), responses: { '200': { description: 'text/csv' }, ...errors(401, 403, 422) } },
      },
    },
  };
}
