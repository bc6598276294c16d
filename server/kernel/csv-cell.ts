/**
 * One CSV cell (RFC 4180) that is safe to open in a spreadsheet. Text is quoted when it holds a comma, quote or
 * line break, and text starting with = + - @ tab or CR gets a leading apostrophe, so a spreadsheet shows it
 * rather than running it as a formula (a phone number "+86…" included). Numbers are written as numbers.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  if (typeof v === 'number') return String(v);
  const text = /^[=+\-@\t\r]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
