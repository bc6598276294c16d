import { createParser } from 'eventsource-parser';
import { type PresenceEvent, presenceEventSchema } from '../../../server/contract/presence.ts';

const EVENTS_PATH = '/api/v1/events';
/** The server's keep-alive comes every 5 s; a stream silent for this long is dead even if no error said so. */
const SILENCE_MS = 20_000;
/** Until the server's `retry` hint arrives. */
const DEFAULT_RETRY_MS = 2_000;
const MAX_RETRY_MS = 30_000;

export type StreamState = 'connecting' | 'live';

export interface EventStreamOptions {
  token: string;
  onPresence: (event: PresenceEvent) => void;
  onState: (state: StreamState) => void;
  /** The session is gone (401): the stream stops for good. */
  onUnauthorized: () => void;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Exponential backoff from the server's hint, capped, with full jitter so a store's tablets do not reconnect in step. */
export function retryDelay(baseMs: number, failures: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_RETRY_MS, baseMs * 2 ** Math.min(failures, 10));
  return Math.round(baseMs / 2 + random() * (ceiling - baseMs / 2));
}

/**
 * Keeps `GET /api/v1/events` open with the bearer token (EventSource cannot send headers, hence fetch),
 * reconnecting after errors or the end of the stream. Returns the function that stops it.
 */
export function openEventStream(options: EventStreamOptions): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  let retryMs = DEFAULT_RETRY_MS;
  let failures = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const connect = async (): Promise<void> => {
    options.onState('connecting');
    controller = new AbortController();
    const own = controller;
    let silence: ReturnType<typeof setTimeout> | null = null;
    const heard = () => {
      if (silence) clearTimeout(silence);
      silence = setTimeout(() => own.abort(), SILENCE_MS);
    };
    const parser = createParser({
      onRetry: (ms) => (retryMs = ms),
      onEvent: (message) => {
        if (message.event === 'ready') {
          failures = 0;
          options.onState('live');
        } else if (message.event === 'presence') {
          const parsed = presenceEventSchema.safeParse(parseJson(message.data));
          if (parsed.success) options.onPresence(parsed.data);
        }
      },
    });
    try {
      heard();
      const res = await fetch(EVENTS_PATH, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' },
        cache: 'no-store',
        signal: own.signal,
      });
      if (res.status === 401) {
        stopped = true;
        options.onUnauthorized();
        return;
      }
      if (res.ok && res.body) {
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          heard();
          parser.feed(value);
        }
      }
    } catch {
      // A network error or our own abort: either way, try again below unless stopped.
    } finally {
      if (silence) clearTimeout(silence);
    }
    if (stopped) return;
    options.onState('connecting');
    timer = setTimeout(() => void connect(), retryDelay(retryMs, failures++));
  };

  void connect();
  return () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    controller?.abort();
  };
}
