import { createContext } from 'preact';
import { useCallback, useContext, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { Session } from '../../../server/contract/session.ts';
import type { ApiClient } from '../api/client.ts';
import type { OutboxItem, Refusal, StoredOutboxItem } from './offline-db.ts';
import { type DrainStop, drainOutbox, type SendResult } from './outbox-sender.ts';
import { enqueue, outboxItems, removeQueued } from './outbox-store.ts';

/** A change as a screen hands it over; the outbox adds who made it and when. */
export type NewChange = OutboxItem extends infer I ? (I extends OutboxItem ? Omit<I, 'by' | 'queued_at' | 'failure'> : never) : never;

/** What became of a change right away: sent (with the server's answer), refused for good, or waiting. */
export type Delivery = { state: 'sent'; result: SendResult } | { state: 'refused'; refusal: Refusal } | { state: 'queued' };

export interface Outbox {
  /** Waiting and refused changes, oldest first. */
  items: readonly StoredOutboxItem[];
  /** The browser is offline or the last call could not reach the server. */
  offline: boolean;
  submit(change: NewChange): Promise<Delivery>;
  /** The clerk has read a refusal: the refused change leaves the tablet. */
  dismiss(seq: number): Promise<void>;
}

export const OutboxContext = createContext<Outbox>({ items: [], offline: false, submit: async () => ({ state: 'queued' }), dismiss: async () => {} });
export const useOutbox = () => useContext(OutboxContext);

const FIRST_RETRY_MS = 2_000;
const MAX_RETRY_MS = 60_000;

/**
 * The tablet's outbox: changes are queued first and sent at once when the server can be reached, else when
 * the browser comes online, at start, after the next sign-in, and on a retry with backoff (2 s doubling to 1 min).
 */
export function useOutboxService(api: ApiClient, session: Session | null, reachable: boolean): Outbox {
  const [items, setItems] = useState<StoredOutboxItem[]>([]);
  const [online, setOnline] = useState(() => navigator.onLine);
  /** Answers for the changes a `submit` is waiting on, by client id. */
  const sent = useRef(new Map<string, SendResult | null>());
  const retry = useRef({ timer: 0, delay: FIRST_RETRY_MS });
  const signedIn = session !== null;

  const refresh = useCallback(async () => setItems(await outboxItems()), []);

  const drain = useCallback(async (): Promise<DrainStop> => {
    if (!signedIn) return 'signed_out';
    const stop = await drainOutbox(api, (item, result) => {
      if (sent.current.has(item.client_id)) sent.current.set(item.client_id, result);
    });
    await refresh();
    clearTimeout(retry.current.timer);
    if (stop === 'unreachable') {
      retry.current.timer = window.setTimeout(() => void drain(), retry.current.delay);
      retry.current.delay = Math.min(MAX_RETRY_MS, retry.current.delay * 2);
    } else {
      retry.current.delay = FIRST_RETRY_MS;
    }
    return stop;
  }, [api, signedIn, refresh]);

  useEffect(() => {
    void refresh().then(drain);
    const onOnline = () => {
      setOnline(true);
      retry.current.delay = FIRST_RETRY_MS;
      void drain();
    };
    const onOffline = () => setOnline(false);
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    return () => {
      window.removeEventListener('online', onOnline);
      window.removeEventListener('offline', onOffline);
      clearTimeout(retry.current.timer);
    };
  }, [drain, refresh]);

  // While the server cannot be reached and nothing waits, a light probe notices when it is back.
  useEffect(() => {
    if (reachable || !signedIn || items.some((i) => !i.failure)) return undefined;
    const timer = setInterval(() => void api.send('GET', '/livez').catch(() => undefined), 5_000);
    return () => clearInterval(timer);
  }, [api, reachable, signedIn, items]);

  const submit = useCallback(
    async (change: NewChange): Promise<Delivery> => {
      if (!session) return { state: 'queued' };
      const by = { staff_id: session.staff.id, staff_name: session.staff.name };
      sent.current.set(change.client_id, null);
      await enqueue({ ...change, by, queued_at: new Date().toISOString() } as OutboxItem);
      // Shown as waiting only once the drain has ended without sending it: online, it never flashes up.
      await drain();
      const result = sent.current.get(change.client_id) ?? null;
      sent.current.delete(change.client_id);
      if (result !== null) return { state: 'sent', result };
      const refused = (await outboxItems()).find((i) => i.client_id === change.client_id && i.failure);
      if (refused?.failure) {
        // The clerk sees this refusal on the screen they are on; it need not wait in the outbox too.
        await removeQueued(refused.seq);
        await refresh();
        return { state: 'refused', refusal: refused.failure };
      }
      return { state: 'queued' };
    },
    [session, refresh, drain],
  );

  const dismiss = useCallback(
    async (seq: number) => {
      await removeQueued(seq);
      await refresh();
    },
    [refresh],
  );

  return useMemo(() => ({ items, offline: !online || !reachable, submit, dismiss }), [items, online, reachable, submit, dismiss]);
}
