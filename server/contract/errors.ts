import * as z from 'zod';

/** Every `error.code` the API answers with. */
export const ERROR_CODES = [
  'bad_request',
  'invalid_json',
  'malformed_xml',
  'validation_failed',
  'unauthorized',
  'forbidden',
  'not_found',
  'gone',
  'conflict',
  'idempotency_conflict',
  'identifier_taken',
  'insufficient_points',
  /** 422: a return linked to its sale refunds more than the sale less its earlier returns; details name the amounts. */
  'return_exceeds_sale',
  /** 429: too many failed sign-ins for this name or device; details say when to retry. */
  'locked',
  /** 429: too many requests of this kind from this credential; `Retry-After` says when to try again. */
  'rate_limited',
  /** 409 at central: a store's push starts after a change central does not have; details give central's cursor. */
  'sync_gap',
  'wrong_store',
  'payload_too_large',
  'unsupported_media_type',
  /** 503: the store could not commit or confirm a write; the caller retries (a retry is a replay). */
  'unavailable',
  /** 503: the store's disk is full; nothing of the request was stored and writes resume once space is freed. */
  'storage_full',
  'internal',
] as const;
export const errorCodeSchema = z.enum(ERROR_CODES);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** One refused field: `path` is dotted (`lines.0.amount`), as in the request. */
export const fieldIssueSchema = z.object({ path: z.string(), message: z.string() });
export type FieldIssue = z.infer<typeof fieldIssueSchema>;
export const fieldIssuesSchema = z.array(fieldIssueSchema);

/** The `details` of the codes that have a fixed shape; the others carry null or free-form details. */
export const errorDetailsSchemas = {
  validation_failed: fieldIssuesSchema,
  wrong_store: fieldIssuesSchema,
  idempotency_conflict: z.object({ store_id: z.string(), terminal_id: z.string(), receipt_no: z.string(), id: z.string() }),
  identifier_taken: z.array(z.object({ kind: z.string() })),
  insufficient_points: z.object({ spendable: z.number().int(), requested: z.number().int() }),
  /** Minor units. */
  return_exceeds_sale: z.object({ sale_total: z.number().int(), returned_before: z.number().int(), this_return: z.number().int(), refundable: z.number().int() }),
  forbidden: z.object({ allowed: z.array(z.string()) }),
  conflict: z.object({ status: z.string() }),
  malformed_xml: z.object({ line: z.number().int(), column: z.number().int() }),
  payload_too_large: z.object({ max_bytes: z.number().int() }),
  unsupported_media_type: z.object({ content_type: z.string().nullable() }),
  unavailable: z.object({ cause: z.string() }),
  storage_full: z.object({ cause: z.string() }),
  locked: z.object({ retry_after_s: z.number().int(), until: z.string() }),
  rate_limited: z.object({ retry_after_s: z.number().int() }),
  sync_gap: z.object({ cursor: z.number().int() }),
} satisfies Partial<Record<ErrorCode, z.ZodType>>;

export type ErrorDetails<C extends ErrorCode> = C extends keyof typeof errorDetailsSchemas ? z.infer<(typeof errorDetailsSchemas)[C]> : unknown;

/**
 * An error's code, message and details of any shape. An error response also names its request (the id in its
 * `X-Request-Id` header and in the appliance's log lines), for a support call to quote; a batch item's error does not.
 */
export const errorShapeSchema = z.object({ code: errorCodeSchema, message: z.string(), details: z.unknown(), request_id: z.string().optional() });

/** The inside of an error body; a rejected batch item carries it too. Details are checked per code. */
export const errorSchema = errorShapeSchema.superRefine((e, ctx) => {
    const details: z.ZodType | undefined = errorDetailsSchemas[e.code as keyof typeof errorDetailsSchemas];
    const parsed = details?.safeParse(e.details);
    for (const issue of parsed?.error?.issues ?? []) ctx.addIssue({ code: 'custom', path: ['details', ...issue.path], message: issue.message });
  });
export type ErrorInfo = z.infer<typeof errorSchema>;

/** Every 4xx/5xx body: `{error: {code, message, details, request_id}}`. */
export const errorBodySchema = z.object({ error: errorSchema });
export type ErrorBody = z.infer<typeof errorBodySchema>;
