import { errorBodySchema } from './errors.ts';
import {
  hqAnalyticsQuerySchema,
  hqErasureSchema,
  hqExportQuerySchema,
  hqProfilePageSchema,
  hqProfileSchema,
  hqProfilesQuerySchema,
  hqStoreAnalyticsSchema,
} from './hq.ts';
import { errors, ok, output, pathParam, queryParams, security } from './openapi-parts.ts';

/** Headquarters' API on central (/api/hq/v1), OpenAPI 3.1, from the zod schemas its routes validate with and answer in. */
export function hqOpenApiDocument() {
  const globalId = pathParam('global_id');
  return {
    openapi: '3.1.0',
    info: { title: 'Central — headquarters API', version: '1' },
    servers: [{ url: '/api/hq/v1' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: output(errorBodySchema),
        HqProfile: output(hqProfileSchema),
        HqProfilePage: output(hqProfilePageSchema),
        HqErasure: output(hqErasureSchema),
        HqStoreAnalytics: output(hqStoreAnalyticsSchema),
      },
    },
    paths: {
      '/profiles': {
        get: {
          summary: 'Global customers changed at or after updated_since, by (updated_at, global_id): keyset pages with an opaque next_cursor; erased customers carry no personal data',
          security: security('hq'),
          parameters: queryParams(hqProfilesQuerySchema),
          responses: { '200': ok('one page', 'HqProfilePage'), ...errors(401, 403, 422) },
        },
      },
      '/customers/{global_id}': {
        parameters: globalId,
        get: {
          summary: 'One global customer; a merged-away id answers its survivor (whose global_id differs from the one asked)',
          security: security('hq'),
          responses: { '200': ok('the customer', 'HqProfile'), ...errors(401, 403, 404, 410) },
        },
        delete: {
          summary: 'Erase the customer at central and at every store that knows them (each store erases at its next pull)',
          security: security('admin'),
          responses: { '200': ok('erased; the stores are told', 'HqErasure'), ...errors(401, 403, 404, 410) },
        },
      },
      '/analytics/stores': {
        get: {
          summary: 'Per store and chain-wide: transactions, sales, returns, net revenue, identified share, customers, multi-store customers; each store\'s last push and lag',
          security: security('hq'),
          parameters: queryParams(hqAnalyticsQuerySchema),
          responses: { '200': ok('figures', 'HqStoreAnalytics'), ...errors(401, 403, 422) },
        },
      },
      '/export': {
        get: {
          summary: 'Every profile, streamed: NDJSON (one HqProfile a line) or CSV (stores joined by ";", text cells starting with = + - @ tab or CR prefixed with \')',
          security: security('hq'),
          parameters: queryParams(hqExportQuerySchema),
          responses: {
            '200': {
              description: 'the profiles',
              content: { 'application/x-ndjson': { schema: { $ref: '#/components/schemas/HqProfile' } }, 'text/csv': { schema: { type: 'string' } } },
            },
            ...errors(401, 403, 422),
          },
        },
      },
    },
  };
}
