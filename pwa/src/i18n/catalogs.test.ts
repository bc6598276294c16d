import { describe, expect, it } from 'vitest';
import { en } from './en.ts';
import { zh } from './zh.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('message catalogs', () => {
  it('have the same keys in Chinese and English', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zh).sort());
  });

  it('use the same placeholders in both languages, and no empty message', () => {
    for (const [key, text] of Object.entries(zh)) {
      expect(placeholders(en[key as keyof typeof zh]), key).toEqual(placeholders(text));
      expect(text.trim(), key).not.toBe('');
      expect(en[key as keyof typeof zh].trim(), key).not.toBe('');
    }
  });
});
