import * as z from 'zod';
import { lookupQuerySchema, registerCustomerSchema, updateCustomerSchema } from './identity/customer.schema.ts';
import { batchSchema, ingestResultSchema, transactionSchema } from './ingest/transaction.schema.ts';

/** The OpenAPI document, generated from the same zod schemas the routes validate with. */
export function openApiDocument(storeName: string) {
  const schema = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
  const json = (s: z.ZodType) => ({ content: { 'application/json': { schema: schema(s) } } });
  const error = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
  const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), error]));
  const security = (role: string) => [{ bearer: [role] }];
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
      '/api/v1/customers': {
        post: { summary: 'Register a customer', security: security('clerk'), requestBody: json(registerCustomerSchema), responses: { '201': { description: 'the profile' }, ...errors(400, 401, 403, 409, 422) } },
      },
      '/api/v1/customers/lookup': {
        get: {
          summary: 'Find a customer by card, phone, email or member id',
          security: security('clerk'),
          parameters: Object.keys(lookupQuerySchema.shape).map((name) => ({ name, in: 'query', required: false, schema: { type: 'string' } })),
          responses: { '200': { description: 'the profile' }, ...errors(401, 403, 404, 422) },
        },
      },
      '/api/v1/customers/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { summary: 'Customer profile', security: security('clerk'), responses: { '200': { description: 'the profile' }, ...errors(401, 403, 404, 410) } },
        patch: { summary: 'Update profile, consent or identifiers', security: security('clerk'), requestBody: json(updateCustomerSchema), responses: { '200': { description: 'the profile' }, ...errors(400, 401, 403, 404, 409, 410, 422) } },
        delete: { summary: 'Erase personal data (keeps de-identified facts)', security: security('manager'), responses: { '200': { description: 'erased' }, ...errors(401, 403, 404, 410) } },
      },
    },
  };
}
