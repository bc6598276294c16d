import { readFileSync } from 'node:fs';
import { InputError } from '../../kernel/errors.ts';

/** Reads a `customer_id,sku` targets file (header row; LF or CRLF) into customer → set of SKUs. */
export function readNextBasketTruths(path: string): Map<string, Set<string>> {
  const lines = readFileSync(path, 'utf8').split(/\r?\n/);
  const header = (lines[0] ?? '').trim();
  if (header !== 'customer_id,sku') throw new InputError('invalid', `${path}: expected header customer_id,sku, got "${header}"`);
  const truths = new Map<string, Set<string>>();
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '') continue;
    const comma = line.indexOf(',');
    if (comma <= 0 || comma === line.length - 1) throw new InputError('invalid', `${path}:${i + 1}: expected customer_id,sku`);
    const customerId = line.slice(0, comma);
    let set = truths.get(customerId);
    if (!set) truths.set(customerId, (set = new Set()));
    set.add(line.slice(comma + 1));
  }
  return truths;
}
