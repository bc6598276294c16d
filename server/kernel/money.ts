/** Minor units (fen/cents) → the decimal number the API speaks. */
export function toMajor(minor: number, minorDigits: number): number {
  return minor / 10 ** minorDigits;
}

export function isoOrNull(ms: number | null | undefined): string | null {
  return ms === null || ms === undefined ? null : new Date(ms).toISOString();
}
