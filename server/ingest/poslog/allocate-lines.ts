import type { DiscountPart, ItemLine } from './poslog-lines.ts';

/*
 * Line bookkeeping the mapper does after reading: NCR-style void records, and putting transaction
 * discounts onto lines (a line's amount goes down, its discount up, by the same minor units).
 */

/**
 * NCR ACS voids an item by writing a second line with VoidFlag and the negated amount and quantity; the
 * line it cancels stays unflagged. Such a record marks the latest earlier live line of the same item and
 * opposite amount as void and is itself dropped. A flagged line that mirrors nothing is the voided line
 * itself (the form other dialects use) and stays as it is.
 */
export function withoutVoidRecords(items: ItemLine[]): ItemLine[] {
  const dropped = new Set<ItemLine>();
  items.forEach((record, i) => {
    if (!record.input.void || record.signedGross === 0) return;
    for (let j = i - 1; j >= 0; j--) {
      const candidate = items[j]!;
      if (candidate.input.void || dropped.has(candidate)) continue;
      if (candidate.input.sku === record.input.sku && candidate.signedGross === -record.signedGross && candidate.input.quantityMilli === record.input.quantityMilli) {
        candidate.input.void = true;
        dropped.add(record);
        return;
      }
    }
  });
  return items.filter((i) => !dropped.has(i));
}

/**
 * Puts discount parts onto `lines` (the live lines of the discounted direction): a part that names a line
 * (NCR OperatorSequenceReference) goes to that line as far as it fits; everything else is spread in
 * proportion to the line amounts with cumulative rounding, so the shares add up to it exactly.
 * False when the discounts are more than the lines.
 */
export function allocateDiscount(lines: ItemLine[], parts: DiscountPart[]): boolean {
  let pool = 0;
  for (const part of parts) {
    const target = part.ref === null ? undefined : lines.find((l) => l.operatorSequence === part.ref);
    const share = target ? Math.min(part.amount, target.input.amount ?? 0) : 0;
    if (target) take(target, share);
    pool += part.amount - share;
  }
  if (pool === 0) return true;
  const base = lines.reduce((s, l) => s + (l.input.amount ?? 0), 0);
  if (pool > base) return false;
  let cumulative = 0;
  let given = 0;
  for (const l of lines) {
    const amount = l.input.amount ?? 0;
    cumulative += amount;
    const share = Math.min(amount, Math.round((pool * cumulative) / base) - given);
    take(l, share);
    given += share;
  }
  return given === pool;
}

function take(line: ItemLine, minor: number): void {
  line.input.amount = (line.input.amount ?? 0) - minor;
  line.input.discount += minor;
}
