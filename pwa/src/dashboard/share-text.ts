import { formatPercent } from '../i18n/format.ts';

/** A share as text, or a dash when there was nothing to be a share of (the API's null). */
export function shareText(locale: string, share: number | null, fractionDigits = 0): string {
  return share === null ? '—' : formatPercent(locale, share, fractionDigits);
}
