/* Money, numbers and dates through Intl, in the tablet's locale; money in the store's currency. */

export function formatMoney(locale: string, currency: string, amount: number): string {
  return new Intl.NumberFormat(locale, { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).format(amount);
}

/** "a, b, c" / "a、b、c" (a plain enumeration: the short unit style runs Chinese items together). */
export function formatList(locale: string, items: readonly string[]): string {
  return new Intl.ListFormat(locale, { style: 'narrow', type: 'conjunction' }).format(items);
}

/** Which plural form a count takes in the locale: `one` or `other` (the only two our messages use). */
export function pluralOf(locale: string, n: number): 'one' | 'other' {
  return new Intl.PluralRules(locale).select(n) === 'one' ? 'one' : 'other';
}

export function formatNumber(locale: string, n: number): string {
  return new Intl.NumberFormat(locale).format(n);
}

/** `ratio` in 0…1; `fractionDigits` at most (a share of 0.4% would otherwise read as 0%). */
export function formatPercent(locale: string, ratio: number, fractionDigits = 0): string {
  return new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: fractionDigits }).format(ratio);
}

export function formatDate(locale: string, iso: string | null): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatDateTime(locale: string, iso: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function formatTime(locale: string, iso: string): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(iso));
}

/** A calendar month given as YYYY-MM (a cohort), e.g. "Dec 2025" / "2025年12月". */
export function formatMonth(locale: string, yearMonth: string): string {
  const [year, month] = yearMonth.split('-').map(Number);
  return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(new Date(Date.UTC(year ?? 1970, (month ?? 1) - 1, 1)));
}
