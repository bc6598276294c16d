/** Which lookup parameter a typed or scanned value is: email if it has an @, phone if it looks like one, else card. */
export function lookupParam(raw: string): { param: 'card' | 'phone' | 'email'; value: string } {
  const value = raw.trim();
  if (value.includes('@')) return { param: 'email', value };
  const compact = value.replace(/[\s-]/g, '');
  // A Chinese mobile number is 11 digits starting with 1; anything with a country code starts with +.
  if (compact.startsWith('+') || /^1\d{10}$/.test(compact)) return { param: 'phone', value: compact };
  return { param: 'card', value };
}

export function lookupPath(raw: string): string {
  const { param, value } = lookupParam(raw);
  return `/api/v1/customers/lookup?${new URLSearchParams({ [param]: value }).toString()}`;
}
