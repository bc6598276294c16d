import { type OutcomeResult, outcomeResultSchema } from '../../../server/contract/actions.ts';
import { type CustomerCard, customerCardSchema } from '../../../server/contract/profile.ts';
import { ApiError } from '../api/api-error.ts';
import type { ApiClient } from '../api/client.ts';
import type { Refusal, StoredOutboxItem } from './offline-db.ts';
import { markRefused, outboxItems, removeQueued } from './outbox-store.ts';

/** The server's answer: the action's new status, or the customer's card after a registration or consent change. */
export type SendResult = { kind: 'outcome'; outcome: OutcomeResult } | { kind: 'card'; card: CustomerCard };

/** Why a drain stopped: nothing left to send, the server cannot be reached now, or the session has ended. */
export type DrainStop = 'empty' | 'unreachable' | 'signed_out';

/*
 * Each change goes with the session signed in now: the server records the staff member of the token it
 * receives. That is the member who made the change, unless their session ended (expired, signed out,
 * another clerk signed in) before the change could be sent; then it is sent under the current session, and
 * the queued item's `by` is what says who made it on the tablet.
 */
async function send(api: ApiClient, item: StoredOutboxItem): Promise<SendResult> {
  switch (item.kind) {
    case 'outcome': {
      const path = `/api/v1/actions/${encodeURIComponent(item.action_id)}/outcome`;
      return { kind: 'outcome', outcome: await api.call('POST', path, outcomeResultSchema, item.body) };
    }
    case 'consent':
      return { kind: 'card', card: await api.call('PATCH', `/api/v1/customers/${encodeURIComponent(item.customer_id)}`, customerCardSchema, item.body) };
    case 'register':
      return { kind: 'card', card: await api.call('POST', '/api/v1/customers', customerCardSchema, item.body) };
  }
}

/** No answer, or an answer that says "later": the change stays queued and is sent again. */
function isTransient(error: ApiError): boolean {
  return error.kind === 'network' || error.status >= 500 || error.status === 429 || error.status === 408;
}

function refusalOf(error: unknown): Refusal {
  if (error instanceof ApiError) return { status: error.status, code: error.code, message: error.message, details: error.details };
  return { status: 0, code: null, message: error instanceof Error ? error.message : String(error), details: null };
}

async function drainOnce(api: ApiClient, onSent: (item: StoredOutboxItem, result: SendResult) => void): Promise<DrainStop> {
  // Read again after every send: changes queued meanwhile go in the same drain, in order.
  for (;;) {
    const next = (await outboxItems()).find((i) => !i.failure);
    if (!next) return 'empty';
    try {
      const result = await send(api, next);
      // Only a 2xx takes an item out; if that answer is lost, the next send is a replay the server recognises.
      await removeQueued(next.seq);
      onSent(next, result);
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) return 'signed_out';
      if (error instanceof ApiError && isTransient(error)) return 'unreachable';
      await markRefused(next, refusalOf(error));
    }
  }
}

let running: Promise<DrainStop> | null = null;
/** Set by every call: a change queued while a drain was finishing gets one more pass. */
let requested = false;

/**
 * Sends the waiting changes in order, one drain at a time on this tablet (the Web Lock also keeps a second
 * tab from sending the same item at the same time).
 */
export function drainOutbox(api: ApiClient, onSent: (item: StoredOutboxItem, result: SendResult) => void): Promise<DrainStop> {
  requested = true;
  const once = async () =>
    'locks' in navigator ? ((await navigator.locks.request('clerk-outbox', () => drainOnce(api, onSent))) as DrainStop) : drainOnce(api, onSent);
  running ??= (async () => {
    try {
      let stop: DrainStop;
      do {
        requested = false;
        stop = await once();
      } while (stop === 'empty' && requested);
      return stop;
    } finally {
      running = null;
    }
  })();
  return running;
}
