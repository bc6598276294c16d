import { AsyncLocalStorage } from 'node:async_hooks';

/*
 * What is known about the request being answered, wherever the code runs inside it (a service, a write queued
 * from it, the error handler): its id, so every log line and the error body can name it. Outside a request
 * (start-up, schedules, the CLI) there is none.
 */
export interface RequestContext {
  requestId: string;
}

const current = new AsyncLocalStorage<RequestContext>();

export function runInRequest<T>(context: RequestContext, fn: () => T): T {
  return current.run(context, fn);
}

export function currentRequestId(): string | null {
  return current.getStore()?.requestId ?? null;
}
