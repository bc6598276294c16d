import type * as z from 'zod';

/** The response's JSON body parsed with a contract schema: a body that breaks the contract fails the test here. */
export async function jsonOf<S extends z.ZodType>(res: Response, schema: S): Promise<z.infer<S>> {
  return parseWith(schema, await res.json(), `${res.status} body`);
}

/** `value` parsed with `schema`, or an error naming what did not match. */
export function parseWith<S extends z.ZodType>(schema: S, value: unknown, what = 'value'): z.infer<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new Error(`${what} does not match the contract: ${JSON.stringify(parsed.error.issues)}\n${JSON.stringify(value)}`);
  return parsed.data;
}
