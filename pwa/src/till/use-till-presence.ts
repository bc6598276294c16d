import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { PresenceEvent } from '../../../server/contract/presence.ts';
import { openEventStream, type StreamState } from './event-stream.ts';

/** Banners kept on screen, newest first. */
const KEEP = 3;
/** A stream down for less than this is a blip, not worth telling the clerk about. */
const DOWN_NOTICE_MS = 8_000;

export interface TillPresence {
  /** Newest first, one per customer. */
  atTill: PresenceEvent[];
  state: StreamState;
  /** The stream has been down longer than a blip. */
  reconnecting: boolean;
  dismiss: (customerId: string) => void;
}

/** Who the terminals have just identified, heard over the event stream while `token` (the session) is set. */
export function useTillPresence(token: string | null, onUnauthorized: () => void): TillPresence {
  const [atTill, setAtTill] = useState<PresenceEvent[]>([]);
  const [state, setState] = useState<StreamState>('connecting');
  const [reconnecting, setReconnecting] = useState(false);
  const unauthorized = useRef(onUnauthorized);
  unauthorized.current = onUnauthorized;

  useEffect(() => {
    setAtTill([]);
    if (!token) return undefined;
    let downTimer: ReturnType<typeof setTimeout> | null = null;
    const stop = openEventStream({
      token,
      onPresence: (event) => setAtTill((list) => [event, ...list.filter((e) => e.customer_id !== event.customer_id)].slice(0, KEEP)),
      onState: (next) => {
        setState(next);
        if (next === 'live') {
          if (downTimer) clearTimeout(downTimer);
          downTimer = null;
          setReconnecting(false);
        } else {
          downTimer ??= setTimeout(() => setReconnecting(true), DOWN_NOTICE_MS);
        }
      },
      onUnauthorized: () => unauthorized.current(),
    });
    return () => {
      stop();
      if (downTimer) clearTimeout(downTimer);
      setReconnecting(false);
    };
  }, [token]);

  const dismiss = useCallback((customerId: string) => setAtTill((list) => list.filter((e) => e.customer_id !== customerId)), []);
  return { atTill, state, reconnecting, dismiss };
}
