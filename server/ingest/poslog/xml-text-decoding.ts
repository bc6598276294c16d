/*
 * Bytes → text for XML: a byte order mark wins, then the encoding named in the XML declaration, then the
 * charset the transport announced, then UTF-8 (the XML default). Older POS exports are often ISO-8859-1
 * or windows-1252 and say so only in the declaration.
 */

const ascii = new TextDecoder('latin1');

export function xmlEncodingOf(head: Uint8Array, transportCharset?: string | null): string {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return 'utf-8';
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  const declared = /^\s*<\?xml[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)["']/.exec(ascii.decode(head.subarray(0, 512)))?.[1];
  for (const label of [declared, transportCharset ?? undefined]) {
    if (label && isKnownEncoding(label)) return label.toLowerCase();
  }
  return 'utf-8';
}

function isKnownEncoding(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** The charset parameter of a Content-Type header, if any. */
export const charsetOf = (contentType: string | null | undefined): string | null => /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType ?? '')?.[1] ?? null;

/** Decodes a whole document. */
export function decodeXml(bytes: Uint8Array, transportCharset?: string | null): string {
  return new TextDecoder(xmlEncodingOf(bytes, transportCharset)).decode(bytes);
}

/** Decodes a byte stream chunk by chunk; the encoding is chosen from the first chunk. */
export async function* decodeXmlStream(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: TextDecoder | null = null;
  for await (const chunk of bytes) {
    decoder ??= new TextDecoder(xmlEncodingOf(chunk));
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield text;
  }
  const tail = decoder?.decode() ?? '';
  if (tail !== '') yield tail;
}
