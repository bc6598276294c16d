import { identifierDigest } from './identifier-digest.ts';
import type { WireChange } from './protocol.ts';

/** Event kinds whose data names an identifier by value: `{kind, value}`. */
const IDENTIFIER_EVENTS = new Set(['identifier_linked', 'identifier_unlinked']);

export interface OutboundPolicy {
  chainSecret: string;
  /** The chain ships identifiers as they are (a deliberate choice of the chain, off by default). */
  piiTransfer: boolean;
}

/**
 * A store's change as it leaves the store: identifier values become digests (see identifier-digest.ts) unless the
 * chain transfers PII. Anything else in a fact is shipped as stored; an erased customer's events are already
 * tombstoned (null values) by the erasure itself.
 */
export function outboundChange(change: WireChange, policy: OutboundPolicy): WireChange {
  if (policy.piiTransfer || change.kind !== 'event' || !IDENTIFIER_EVENTS.has(change.fact.kind)) return change;
  const { value, ...rest } = change.fact.data;
  const digest = typeof value === 'string' ? identifierDigest(policy.chainSecret, String(rest.kind), value) : null;
  return { ...change, fact: { ...change.fact, data: { ...rest, digest } } };
}
