import { compareHlc, decodeHlc, encodeHlc, type Hlc } from './hlc.ts';

/*
 * Last-writer-wins profile fields across the chain. Each field of a customer's profile (name, birthday, gender,
 * the four consents) is a value with the hybrid clock timestamp of the write that set it; the one rule below
 * decides, the same at central and at every store, whether an incoming version replaces the one held.
 */

export const LWW_FIELDS = ['name', 'birthday', 'gender', 'consent_sms', 'consent_email', 'consent_push', 'consent_call'] as const;
export type LwwField = (typeof LWW_FIELDS)[number];

export function isLwwField(field: string): field is LwwField {
  return (LWW_FIELDS as readonly string[]).includes(field);
}

/** A field's value (consents as 1 granted / 0 withdrawn) and the encoded HLC of the write that set it. */
export interface FieldVersion {
  value: string | number | null;
  hlc: string;
}

const isConsent = (field: LwwField) => field.startsWith('consent_');
/** A consent that is not a grant (0 or cleared) is a withdrawal: contacting on it stops. */
const withdraws = (field: LwwField, v: FieldVersion) => isConsent(field) && v.value !== 1;

/**
 * Whether `incoming` replaces `held` (unflagged writes). The later HLC wins, except that a consent withdrawal
 * wins over a grant made within the same millisecond whatever the counters and nodes say (two stores at
 * once: the customer said no somewhere, so the chain says no). The rule is a total order on versions, so
 * every end reaches the same value whatever order it hears them in.
 */
export function laterWins(field: LwwField, held: FieldVersion | null, incoming: FieldVersion): boolean {
  if (held === null) return true;
  const h = decodeHlc(held.hlc);
  const i = decodeHlc(incoming.hlc);
  if (isConsent(field) && h.wall === i.wall && withdraws(field, held) !== withdraws(field, incoming)) return withdraws(field, incoming);
  return compareHlc(i, h) > 0;
}

/** The counter's largest value in the encoding (sync/hlc.ts): past it, the next millisecond. */
const MAX_COUNTER = 0xffff;

/** The timestamp just after `t`, made on `node`'s behalf (orders after `t` at every end). */
function justAfter(t: Hlc, node: string): Hlc {
  return t.counter < MAX_COUNTER ? { wall: t.wall, counter: t.counter + 1, node } : { wall: t.wall + 1, counter: 0, node };
}

/**
 * Central's decision on one field of a pushed write: the version to keep, or null to keep `held`.
 * - From a push whose store clock is within the bound: `laterWins`.
 * - From a skew-flagged push: kept in the store's log but not merged — except a consent withdrawal, which is
 *   always safe to apply. Its own timestamp is not trusted (a clock an hour ahead would block every grant
 *   for an hour, one behind would lose to older grants): it is recorded just after the grant it overrides,
 *   or at most at central's `now`, so every store holding that grant takes the withdrawal.
 */
export function resolvePushedField(field: LwwField, held: FieldVersion | null, incoming: FieldVersion, push: { skewFlagged: boolean; now: number }): FieldVersion | null {
  if (!push.skewFlagged) return laterWins(field, held, incoming) ? incoming : null;
  if (!withdraws(field, incoming)) return null;
  if (held !== null && withdraws(field, held)) return null;
  const own = decodeHlc(incoming.hlc);
  const hlc = held !== null ? justAfter(decodeHlc(held.hlc), own.node) : { ...own, wall: Math.min(own.wall, push.now) };
  return { value: incoming.value, hlc: encodeHlc(hlc) };
}
