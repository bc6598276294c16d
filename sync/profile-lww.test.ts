import { describe, expect, it } from 'vitest';
import { compareHlc, decodeHlc, encodeHlc } from './hlc.ts';
import { profileWritesOf } from './central/profile-fields.ts';
import { type FieldVersion, laterWins, LWW_FIELDS, type LwwField, resolvePushedField } from './profile-lww.ts';
import type { WireChange } from './protocol.ts';

const v = (value: string | number | null, wall: number, counter = 0, node = 'S001'): FieldVersion => ({ value, hlc: encodeHlc({ wall, counter, node }) });
const unflagged = { skewFlagged: false, now: 10_000 };
const flagged = { skewFlagged: true, now: 10_000 };

describe('a store profile write as central reads it', () => {
  const write = (data: Record<string, unknown>, kind = 'profile_updated'): WireChange => ({ seq: 1, kind: 'event', fact: { id: 'e1', recorded_customer_id: 'C1', kind, at: 1, data } });
  it('takes the profile fields of a write with a well-formed HLC, and nothing of one without', () => {
    const hlc = encodeHlc({ wall: 1000, counter: 0, node: 'S001' });
    expect(profileWritesOf(write({ values: { name: 'Li', consent_sms: 0, note: 'x' }, hlc }))?.fields).toEqual([['name', { value: 'Li', hlc }], ['consent_sms', { value: 0, hlc }]]);
    expect(profileWritesOf(write({ values: { name: 'Li' } }))).toBeNull(); // before stores had clocks
    expect(profileWritesOf(write({ values: { name: 'Li' }, hlc: 'tomorrow' }))).toBeNull();
    expect(profileWritesOf(write({ values: { name: 'Li' }, hlc }, 'profile_synced'))).toBeNull(); // central's own news coming back
  });
});

describe('last-writer-wins profile fields', () => {
  it('takes the later timestamp, ties broken by counter then node', () => {
    expect(laterWins('name', v('Li', 1000), v('Lee', 1001))).toBe(true);
    expect(laterWins('name', v('Lee', 1001), v('Li', 1000))).toBe(false);
    expect(laterWins('name', v('Li', 1000, 1), v('Lee', 1000, 2))).toBe(true);
    expect(laterWins('name', v('Li', 1000, 1, 'S002'), v('Lee', 1000, 1, 'S001'))).toBe(false);
    expect(laterWins('name', v('Li', 1000), v('Li', 1000))).toBe(false); // the same version again: no change
    expect(laterWins('birthday', null, v('1990-01-01', 5))).toBe(true);
  });

  it('reaches the same value whatever order the versions arrive in', () => {
    const versions = [v('A', 1000, 0, 'S001'), v('B', 1000, 0, 'S002'), v('C', 999, 7, 'S003'), v(1, 1000, 3, 'S003'), v(0, 1000, 1, 'S001')];
    for (const field of ['name', 'consent_sms'] as LwwField[]) {
      const finals = new Set<string>();
      const orders = [[0, 1, 2, 3, 4], [4, 3, 2, 1, 0], [2, 0, 4, 1, 3], [1, 4, 0, 3, 2]];
      for (const order of orders) {
        let held: FieldVersion | null = null;
        for (const i of order) if (laterWins(field, held, versions[i]!)) held = versions[i]!;
        finals.add(JSON.stringify(held));
      }
      expect(finals.size).toBe(1);
    }
  });

  it('lets a consent withdrawal win over a grant of the same millisecond, and a later grant win over a withdrawal', () => {
    expect(laterWins('consent_sms', v(1, 1000, 5, 'S002'), v(0, 1000, 0, 'S001'))).toBe(true);
    expect(laterWins('consent_sms', v(0, 1000, 0, 'S001'), v(1, 1000, 5, 'S002'))).toBe(false);
    expect(laterWins('consent_sms', v(1, 1001), v(0, 1000))).toBe(false);
    expect(laterWins('consent_sms', v(0, 1000), v(1, 1001))).toBe(true); // re-consent after a withdrawal
    // Not a consent: the plain order.
    expect(laterWins('name', v('Li', 1000, 5, 'S002'), v('Lee', 1000, 0, 'S001'))).toBe(false);
  });

  it('merges unflagged pushes by the rule', () => {
    expect(resolvePushedField('name', v('Li', 1000), v('Lee', 2000), unflagged)).toEqual(v('Lee', 2000));
    expect(resolvePushedField('name', v('Li', 3000), v('Lee', 2000), unflagged)).toBeNull();
  });

  it('does not merge a skew-flagged push, except a consent withdrawal, recorded just after the grant it overrides', () => {
    for (const field of LWW_FIELDS) {
      const grant = field.startsWith('consent_') ? 1 : 'x';
      expect(resolvePushedField(field, v(grant, 1000), v(field.startsWith('consent_') ? 1 : 'y', 99_000, 0, 'S009'), flagged)).toBeNull();
      expect(resolvePushedField(field, null, v(grant, 99_000, 0, 'S009'), flagged)).toBeNull();
    }
    // A withdrawal from a clock far behind still beats the newer grant; one far ahead does not drag the field into the future.
    const behind = resolvePushedField('consent_email', v(1, 5000, 2, 'S001'), v(0, 10, 0, 'S009'), flagged);
    const ahead = resolvePushedField('consent_email', v(1, 5000, 2, 'S001'), v(0, 9_999_999, 0, 'S009'), flagged);
    for (const won of [behind, ahead]) {
      expect(won?.value).toBe(0);
      expect(decodeHlc(won!.hlc)).toEqual({ wall: 5000, counter: 3, node: 'S009' });
      expect(laterWins('consent_email', v(1, 5000, 2, 'S001'), won!)).toBe(true); // the store holding the grant takes it
    }
    // With nothing held: at most central's now.
    expect(decodeHlc(resolvePushedField('consent_call', null, v(0, 9_999_999, 0, 'S009'), flagged)!.hlc).wall).toBe(10_000);
    // Just after a grant whose counter is at the encoding's end: the next millisecond, still encodable.
    const edge = resolvePushedField('consent_sms', v(1, 5000, 0xffff, 'S001'), v(0, 10, 0, 'S009'), flagged)!;
    expect(decodeHlc(edge.hlc)).toEqual({ wall: 5001, counter: 0, node: 'S009' });
    // An existing withdrawal stays as it is.
    expect(resolvePushedField('consent_call', v(0, 5000), v(0, 6000, 0, 'S009'), flagged)).toBeNull();
    expect(compareHlc(decodeHlc(v(1, 5000, 2).hlc), decodeHlc(behind!.hlc))).toBeLessThan(0);
  });
});
