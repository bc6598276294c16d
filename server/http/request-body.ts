import type { Context } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { z } from 'zod';
import { AppError, zodDetails } from '../errors.ts';

/** Refuses bodies over `maxBytes` with 413, whether announced by Content-Length or streamed. */
export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new AppError(413, 'payload_too_large', `the body is larger than ${maxBytes} bytes`, { max_bytes: maxBytes });
    },
  });
}

export async function readJson(c: Context): Promise<unknown> {
  const text = await c.req.text();
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new AppError(400, 'invalid_json', 'the body is not valid JSON', { parser: error instanceof Error ? error.message : String(error) });
  }
}

export function parseOr422<S extends z.ZodType>(schema: S, value: unknown, what = 'the request'): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new AppError(422, 'validation_failed', `${what} is not valid`, zodDetails(parsed.error.issues));
  return parsed.data;
}
