import { describe, expect, it } from 'vitest';
import { identifierDigest } from './identifier-digest.ts';

const SECRET = 'chain-secret-for-tests-0123456789';

describe('identifier digests', () => {
  it('are equal for the same kind and value under one secret, and differ otherwise', () => {
    const phone = identifierDigest(SECRET, 'phone', '+8613800138000');
    expect(identifierDigest(SECRET, 'phone', '+8613800138000')).toBe(phone);
    expect(identifierDigest(SECRET, 'phone', '+8613800138001')).not.toBe(phone);
    expect(identifierDigest(SECRET, 'card', '+8613800138000')).not.toBe(phone);
    expect(identifierDigest(`${SECRET}x`, 'phone', '+8613800138000')).not.toBe(phone);
    expect(phone).toMatch(/^[\w-]{43}$/);
    expect(phone).not.toContain('13800138000');
  });

  it('refuse a short secret', () => {
    expect(() => identifierDigest('short', 'card', '123')).toThrow(RangeError);
  });
});
