import * as z from 'zod';

/* The pieces both OpenAPI documents (the store's, headquarters') are built of, from the zod schemas. */

// Requests are described as sent (defaults optional), responses as answered.
export const input = (s: z.ZodType) => z.toJSONSchema(s, { io: 'input', unrepresentable: 'any' });
export const output = (s: z.ZodType) => z.toJSONSchema(s, { io: 'output', unrepresentable: 'any' });
export const requestBody = (s: z.ZodType) => ({ required: true, content: { 'application/json': { schema: input(s) } } });
export const ok = (description: string, ref: string) => ({ description, content: { 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } } });
export const errorResponse = { description: 'error', content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } };
export const errors = (...codes: number[]) => Object.fromEntries(codes.map((c) => [String(c), errorResponse]));
/** The roles named are the lowest that may call the route (admin may call everything). */
export const security = (...roles: string[]) => [{ bearer: roles }];
export const pathParam = (name: string) => [{ name, in: 'path', required: true, schema: { type: 'string' } }];
export const queryParams = (s: z.ZodObject) => {
  const js = input(s) as { properties?: Record<string, unknown>; required?: string[] };
  return Object.entries(js.properties ?? {}).map(([name, sch]) => ({ name, in: 'query', required: js.required?.includes(name) ?? false, schema: sch }));
};
