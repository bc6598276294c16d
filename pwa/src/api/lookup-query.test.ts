import { describe, expect, it } from 'vitest';
import { lookupParam, lookupPath } from './lookup-query.ts';

describe('lookupParam', () => {
  it('reads an @ as an email', () => {
    expect(lookupParam(' Li@Example.cn ')).toEqual({ param: 'email', value: 'Li@Example.cn' });
  });

  it('reads + or 11 digits starting with 1 as a phone', () => {
    expect(lookupParam('+86 138 0000 0000')).toEqual({ param: 'phone', value: '+8613800000000' });
    expect(lookupParam('13800000000')).toEqual({ param: 'phone', value: '13800000000' });
  });

  it('reads anything else as a card', () => {
    expect(lookupParam('8800000001')).toEqual({ param: 'card', value: '8800000001' });
    expect(lookupParam('23800000000')).toEqual({ param: 'card', value: '23800000000' });
    expect(lookupParam('123800000000')).toEqual({ param: 'card', value: '123800000000' });
  });

  it('builds an encoded lookup path', () => {
    expect(lookupPath('+8613800000000')).toBe('/api/v1/customers/lookup?phone=%2B8613800000000');
  });
});
