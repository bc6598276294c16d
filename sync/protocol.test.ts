import { describe, expect, it } from 'vitest';
import { identifierDigest } from './identifier-digest.ts';
import { outboundChange } from './outbound.ts';
import { type WireChange, pushBatchSchema } from './protocol.ts';

const SECRET = 'chain-secret-for-tests-0123456789';
const linked = (seq: number, value: string | null): WireChange => ({
  seq,
  kind: 'event',
  fact: { id: `e${seq}`, recorded_customer_id: 'c1', kind: 'identifier_linked', at: 1000, data: { kind: 'phone', value } },
});

describe('store → central batches', () => {
  it('accept changes numbered right after the cursor and refuse a gap or a repeat inside the batch', () => {
    const batch = { store_id: 'S002', after: 41, changes: [linked(42, '+8613800138000'), linked(43, null)], hlc: '000000000001000-0000-S002', sent_at: 1000 };
    expect(pushBatchSchema.safeParse(batch).success).toBe(true);
    const gap = pushBatchSchema.safeParse({ ...batch, changes: [linked(42, 'a'), linked(44, 'b')] });
    expect(gap.success).toBe(false);
    expect(gap.error?.issues[0]?.path).toEqual(['changes', 1, 'seq']);
    expect(pushBatchSchema.safeParse({ ...batch, changes: [linked(42, 'a'), linked(42, 'a')] }).success).toBe(false);
  });

  it('ship identifier values as digests unless the chain transfers PII', () => {
    const digested = outboundChange(linked(1, '+8613800138000'), { chainSecret: SECRET, piiTransfer: false });
    expect(digested.kind === 'event' && digested.fact.data).toEqual({ kind: 'phone', digest: identifierDigest(SECRET, 'phone', '+8613800138000') });
    expect(JSON.stringify(digested)).not.toContain('13800138000');
    expect(outboundChange(linked(1, '+8613800138000'), { chainSecret: SECRET, piiTransfer: true })).toEqual(linked(1, '+8613800138000'));
    // An erased customer's tombstoned link stays without a value.
    const erased = outboundChange(linked(2, null), { chainSecret: SECRET, piiTransfer: false });
    expect(erased.kind === 'event' && erased.fact.data).toEqual({ kind: 'phone', digest: null });
  });
});
