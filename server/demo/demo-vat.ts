/**
 * The demo store is in China, where shelf prices include VAT: the general rate, 13%, on every basket (food's 9% is
 * left aside; a demo only needs a plausible figure). Minor units in, minor units out.
 */
export function includedVat(totalMinor: number): number {
  return Math.round((totalMinor * 13) / 113);
}
