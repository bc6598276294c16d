/**
 * A URL as it may be logged or shown: without the user and password a URL can carry
 * (`https://user:secret@central.example/` → `https://central.example/`). Text that is not a URL is returned as is.
 */
export function urlWithoutCredentials(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.username === '' && parsed.password === '') return url;
  parsed.username = '';
  parsed.password = '';
  return parsed.toString();
}
