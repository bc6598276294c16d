import { customerActionsSchema, outcomeResultSchema, outcomeSchema, todayListSchema } from './actions.ts';
import { auditPageSchema, auditQuerySchema } from './audit.ts';
import { atRiskListSchema, atRiskQuerySchema, exportQuerySchema, modelHealthSchema, overviewQuerySchema, overviewSchema } from './analytics.ts';
import { erasedCustomerSchema, lookupQuerySchema, phoneCandidatesSchema, phoneSearchQuerySchema, registerCustomerSchema, updateCustomerSchema } from './customer.ts';
import { errorBodySchema } from './errors.ts';
import { mergeDecisionSchema, mergeSuggestionListSchema, mergeSuggestionQuerySchema, unmergeResultSchema } from './merge.ts';
import { errorResponse as error, errors, input, ok, output, pathParam, queryParams, requestBody, security } from './openapi-parts.ts';
import { healthSchema } from './health.ts';
import { batchResultSchema, ingestResultSchema, posLogResultSchema } from './ingest-results.ts';
import { customerCardSchema } from './profile.ts';
import { presenceEventSchema, presenceInputSchema, presenceResultSchema } from './presence.ts';
import { sessionSchema, signInSchema } from './session.ts';
import { syncStatusSchema } from './sync.ts';
import { batchSchema, transactionSchema } from './transaction.ts';

/** The OpenAPI 3.1 document, generated from the same zod schemas the routes validate with and answer in. */
export function openApiDocument(storeName: string) {
  const idParam = pathParam('id');
  return {
    openapi: '3.1.0',
    info: { title: `${storeName} — store appliance API`, version: '1' },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: output(errorBodySchema),
        Transaction: input(transactionSchema),
        IngestResult: output(ingestResultSchema),
        BatchResult: output(batchResultSchema),
        PosLogResult: output(posLogResultSchema),
        CustomerCard: output(customerCardSchema),
        ErasedCustomer: output(erasedCustomerSchema),
        MergeSuggestionList: output(mergeSuggestionListSchema),
        MergeDecision: output(mergeDecisionSchema),
        UnmergeResult: output(unmergeResultSchema),
        CustomerActions: output(customerActionsSchema),
        OutcomeResult: output(outcomeResultSchema),
        Overview: output(overviewSchema),
        AtRiskList: output(atRiskListSchema),
        AuditPage: output(auditPageSchema),
        ModelHealth: output(modelHealthSchema),
        SyncStatus: output(syncStatusSchema),
        Health: output(healthSchema),
        Session: output(sessionSchema),
        TodayList: output(todayListSchema),
        PhoneCandidates: output(phoneCandidatesSchema),
        PresenceEvent: output(presenceEventSchema),
        PresenceResult: output(presenceResultSchema),
      },
    },
    paths: {
      '/health': { get: { summary: 'Liveness and database check', responses: { '200': ok('ok', 'Health') } } },
      '/api/v1/session': {
        post: {
          summary: 'Staff sign-in on a tablet (name + PIN): a short-lived session token for the staff role; 429 locked after repeated failures',
          requestBody: requestBody(signInSchema),
          responses: { '201': ok('signed in', 'Session'), ...errors(400, 401, 413, 415, 422, 429) },
        },
        delete: { summary: 'Sign out (the session token as bearer)', responses: { '204': { description: 'signed out' }, ...errors(401) } },
      },
      '/api/v1/presence': {
        post: {
          summary: 'A terminal identified a customer at its till (card scanned at the start of a sale): tablets hear of it at once',
          security: security('terminal'),
          requestBody: requestBody(presenceInputSchema),
          responses: { '202': ok('announced', 'PresenceResult'), ...errors(400, 401, 403, 404, 413, 415, 422) },
        },
      },
      '/api/v1/events': {
        get: {
          summary: 'Server-Sent Events for the tablets: event `presence` (data: PresenceEvent) when a known customer is at a till',
          security: security('clerk'),
          responses: {
            '200': { description: 'an event stream', content: { 'text/event-stream': { schema: { $ref: '#/components/schemas/PresenceEvent' } } } },
            ...errors(401, 403),
          },
        },
      },
      '/api/v1/transactions': {
        post: {
          summary: 'Post one POS transaction (idempotent by store, terminal and receipt number)',
          security: security('terminal'),
          requestBody: requestBody(transactionSchema),
          responses: { '201': ok('stored', 'IngestResult'), '200': ok('already stored: the first result', 'IngestResult'), ...errors(400, 401, 403, 409, 413, 415, 422, 503) },
        },
      },
      '/api/v1/transactions/batch': {
        post: {
          summary: 'Post up to 1000 transactions; one result per item',
          security: security('terminal'),
          requestBody: requestBody(batchSchema),
          responses: { '200': ok('per-item results, in order', 'BatchResult'), ...errors(400, 401, 403, 413, 415, 422, 503) },
        },
      },
      '/api/v1/poslog': {
        post: {
          summary: 'Post an ARTS POSLog document (retail transactions; control transactions are ignored; cancelled, voided and training ones skipped)',
          security: security('terminal'),
          requestBody: { required: true, content: { 'application/xml': { schema: { type: 'string' } }, 'text/xml': { schema: { type: 'string' } } } },
          responses: {
            '200': ok('one result per retail transaction: stored, duplicate, rejected or skipped', 'PosLogResult'),
            '400': { ...error, description: 'malformed_xml: not well-formed XML or not POSLog; nothing was stored' },
            ...errors(401, 403, 413, 415, 503),
          },
        },
      },
      '/api/v1/customers': {
        post: {
          summary: 'Register a customer',
          security: security('clerk'),
          requestBody: requestBody(registerCustomerSchema),
          responses: { '201': ok('the profile', 'CustomerCard'), ...errors(400, 401, 403, 409, 413, 415, 422) },
        },
      },
      '/api/v1/today': {
        get: {
          summary: "Today's outreach: birthdays, points expiring, at-risk customers who take calls; most valuable first, each with its action",
          security: security('clerk'),
          responses: { '200': ok('the list', 'TodayList'), ...errors(401, 403) },
        },
      },
      '/api/v1/customers/search': {
        get: {
          summary: "Customers whose phone ends in four digits: at most 10 masked candidates (rate-limited per credential)",
          security: security('clerk'),
          parameters: queryParams(phoneSearchQuerySchema),
          responses: { '200': ok('masked candidates', 'PhoneCandidates'), ...errors(401, 403, 422, 429) },
        },
      },
      '/api/v1/customers/lookup': {
        get: {
          summary: 'Find a customer by card, phone, email or member id',
          security: security('clerk'),
          parameters: queryParams(lookupQuerySchema),
          responses: { '200': ok('the profile', 'CustomerCard'), ...errors(401, 403, 404, 422) },
        },
      },
      '/api/v1/customers/{id}': {
        parameters: idParam,
        get: { summary: 'Customer profile', security: security('clerk'), responses: { '200': ok('the profile', 'CustomerCard'), ...errors(401, 403, 404, 410) } },
        patch: {
          summary: 'Update profile, consent or identifiers (a replayed client_id changes nothing)',
          security: security('clerk'),
          requestBody: requestBody(updateCustomerSchema),
          responses: { '200': ok('the profile', 'CustomerCard'), ...errors(400, 401, 403, 404, 409, 410, 413, 415, 422) },
        },
        delete: {
          summary: 'Erase personal data (keeps de-identified facts)',
          security: security('manager'),
          responses: { '200': ok('erased', 'ErasedCustomer'), ...errors(401, 403, 404, 410) },
        },
      },
      '/api/v1/customers/{id}/unmerge': {
        parameters: idParam,
        post: {
          summary: 'Undo the merge of this merged-away customer: it comes back with its identifiers, transactions and points (409 when not merged)',
          security: security('manager'),
          responses: { '200': ok('unmerged', 'UnmergeResult'), ...errors(401, 403, 404, 409, 410) },
        },
      },
      '/api/v1/merge-suggestions': {
        get: {
          summary: 'Two registered customers one sale named together (POS data never merges them): suggestions for a manager, oldest first',
          security: security('manager'),
          parameters: queryParams(mergeSuggestionQuerySchema),
          responses: { '200': ok('the suggestions', 'MergeSuggestionList'), ...errors(401, 403, 422) },
        },
      },
      '/api/v1/merge-suggestions/{id}/approve': {
        parameters: idParam,
        post: {
          summary: "Approve: the other customer is merged into the sale's customer (409 when decided already, 410 when one was erased)",
          security: security('manager'),
          responses: { '200': ok('approved and merged', 'MergeDecision'), ...errors(401, 403, 404, 409, 410) },
        },
      },
      '/api/v1/merge-suggestions/{id}/reject': {
        parameters: idParam,
        post: {
          summary: 'Reject: the two stay apart (409 when decided already)',
          security: security('manager'),
          responses: { '200': ok('rejected', 'MergeDecision'), ...errors(401, 403, 404, 409) },
        },
      },
      '/api/v1/customers/{id}/actions': {
        parameters: idParam,
        get: {
          summary: 'Ranked next-best actions (script, reason, offer, items) and the ones guardrails suppressed',
          security: security('clerk'),
          responses: { '200': ok('actions', 'CustomerActions'), ...errors(401, 403, 404, 410) },
        },
      },
      '/api/v1/actions/{id}/outcome': {
        parameters: idParam,
        post: {
          summary: 'Record what came of an action: done, declined, not now; survey answer; note',
          security: security('clerk'),
          requestBody: requestBody(outcomeSchema),
          responses: { '200': ok('recorded', 'OutcomeResult'), ...errors(400, 401, 403, 404, 409, 413, 415, 422) },
        },
      },
      '/api/v1/analytics/overview': {
        get: {
          summary: 'Store figures over [from, to): stages, revenue shares, repeat conversion, cohorts, returns, actions, segments',
          security: security('manager', 'hq'),
          parameters: queryParams(overviewQuerySchema),
          responses: { '200': ok('figures', 'Overview'), ...errors(401, 403, 422) },
        },
      },
      '/api/v1/analytics/at-risk': {
        get: {
          summary: 'At-risk customers who consented to calls, highest CLV first, with their phone: the manager\'s call list (keyset pages)',
          security: security('manager'),
          parameters: queryParams(atRiskQuerySchema),
          responses: { '200': ok('one page of the list', 'AtRiskList'), ...errors(401, 403, 422) },
        },
      },
      '/api/v1/analytics/models': {
        get: {
          summary: "The store's own model health: each snapshot of predictions set against what happened once its horizon passed (AUC and MAE beside recency, Recall@10 of recommendations)",
          security: security('manager'),
          responses: { '200': ok('snapshots, newest first', 'ModelHealth'), ...errors(401, 403) },
        },
      },
      '/api/v1/sync/status': {
        get: {
          summary: "This store's sync with central: cursors both ways, lag in changes and seconds, last errors, clock skew",
          security: security('manager'),
          responses: { '200': ok('the status', 'SyncStatus'), ...errors(401, 403) },
        },
      },
      '/api/v1/audit': {
        get: {
          summary: "Who read which customer's personal data, and when (newest first, keyset pages)",
          security: security('manager'),
          parameters: queryParams(auditQuerySchema),
          responses: { '200': ok('one page of the log', 'AuditPage'), ...errors(401, 403, 422) },
        },
      },
      '/api/v1/audiences/export': {
        get: {
          summary: 'CSV of consenting customers of a stage/segment for a channel',
          security: security('manager'),
          parameters: queryParams(exportQuerySchema),
          responses: { '200': { description: 'the audience', content: { 'text/csv': { schema: { type: 'string' } } } }, ...errors(401, 403, 422) },
        },
      },
    },
  };
}
