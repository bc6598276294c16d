import { type Channel, OUTBOUND_CHANNELS, type OutboundChannel } from '../contract/enums.ts';
import type { ActionCandidate } from './action-types.ts';

const OUTBOUND: ReadonlySet<Channel> = new Set(OUTBOUND_CHANNELS);
import { DAY_MS } from '../kernel/clock.ts';

/*
 * Guardrails, the same for every rule, applied after the catalog proposed its candidates. A suppressed
 * action is reported with its reason so the associate (and the tests) can see why it is not there.
 */

export type SuppressReason = 'no_consent' | 'quiet_hours' | 'contact_cap' | 'offer_period' | 'returned_items' | 'not_now';

export interface GuardrailState {
  now: number;
  /** Minutes since local midnight at `now`. */
  localMinuteOfDay: number;
  /** [start, end) in minutes since local midnight; may wrap midnight (21:00–09:00). */
  quietHours: { start: number; end: number };
  contactCapPerWeek: number;
  consent: Record<OutboundChannel, boolean>;
  /** Actions done in the last 7 days, per channel. */
  contactsThisWeek: Partial<Record<Channel, number>>;
  /** Last time an offer of each kind was given or declined. */
  lastOfferAt: ReadonlyMap<string, number>;
  /** Action types the associate put off ("not now") within the last day. */
  putOff: ReadonlySet<string>;
  returnedSkus: ReadonlySet<string>;
}

export function parseQuietHours(spec: string): { start: number; end: number } {
  const [a = '', b = ''] = spec.split('-');
  const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
  return { start: minutes(a), end: minutes(b) };
}

export function inQuietHours(minuteOfDay: number, q: { start: number; end: number }): boolean {
  if (q.start === q.end) return false;
  return q.start < q.end ? minuteOfDay >= q.start && minuteOfDay < q.end : minuteOfDay >= q.start || minuteOfDay < q.end;
}

export function applyGuardrails(
  candidates: ReadonlyArray<ActionCandidate & { needsItems?: boolean }>,
  s: GuardrailState,
): { kept: ActionCandidate[]; suppressed: Array<{ type: string; reason: SuppressReason }> } {
  const kept: ActionCandidate[] = [];
  const suppressed: Array<{ type: string; reason: SuppressReason }> = [];
  for (const c of candidates) {
    const items = c.items.filter((i) => !s.returnedSkus.has(i.sku));
    const reason: SuppressReason | null =
      c.needsItems && items.length === 0
        ? 'returned_items'
        : c.channel !== 'in_store' && !s.consent[c.channel]
          ? 'no_consent'
          : OUTBOUND.has(c.channel) && inQuietHours(s.localMinuteOfDay, s.quietHours)
            ? 'quiet_hours'
            : (s.contactsThisWeek[c.channel] ?? 0) >= s.contactCapPerWeek
              ? 'contact_cap'
              : c.offer && s.now - (s.lastOfferAt.get(c.offer.kind) ?? -Infinity) < c.offer.periodDays * DAY_MS
                ? 'offer_period'
                : s.putOff.has(c.type)
                  ? 'not_now'
                  : null;
    if (reason) suppressed.push({ type: c.type, reason });
    else kept.push({ ...c, items });
  }
  kept.sort((a, b) => b.priority - a.priority || a.type.localeCompare(b.type));
  return { kept, suppressed };
}
