/**
 * Turns the bytes of a feed, calendar or CSV file into text, honouring the declared encoding
 * and detecting it when none is declared.
 */
import iconv from 'iconv-lite';

export interface DecodedText {
  text: string;
  /** The encoding used, as iconv-lite names it. */
  encoding: string;
  /** Where the encoding came from. */
  source: 'bom' | 'http' | 'xml' | 'detected';
}

/**
 * Decodes a document. The order follows RFC 7303 section 3.2: a byte-order mark, then the
 * charset of the HTTP `Content-Type`, then the XML declaration. Without any of them, bytes that
 * are valid UTF-8 are UTF-8 and anything else is windows-1252. A declared UTF-8 that does not
 * decode cleanly falls back to the XML declaration, then to windows-1252, because servers often
 * label every file UTF-8.
 *
 * ISO-8859-1 and US-ASCII labels decode as windows-1252, as the WHATWG Encoding Standard maps
 * them: feeds labelled Latin-1 routinely contain windows-1252 quotes and dashes.
 */
export function decodeDocument(bytes: Uint8Array, contentType?: string | null): DecodedText {
  const bom = byteOrderMark(bytes);
  if (bom) return { text: iconv.decode(toBuffer(bytes), bom), encoding: bom, source: 'bom' };

  const fromHttp = supportedEncoding(charsetOf(contentType));
  const fromXml = supportedEncoding(xmlDeclaredEncoding(bytes));
  const candidates: Array<[string | undefined, DecodedText['source']]> = [
    [fromHttp, 'http'],
    [fromXml, 'xml'],
  ];
  for (const [encoding, source] of candidates) {
    if (!encoding) continue;
    if (encoding === 'utf-8' && !isValidUtf8(bytes)) continue;
    return { text: iconv.decode(toBuffer(bytes), encoding), encoding, source };
  }

  const detected = isValidUtf8(bytes) ? 'utf-8' : 'windows-1252';
  return { text: iconv.decode(toBuffer(bytes), detected), encoding: detected, source: 'detected' };
}

/** Returns the `charset` parameter of a `Content-Type` value. */
export function charsetOf(contentType: string | null | undefined): string | undefined {
  const match = contentType ? /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType) : null;
  return match?.[1];
}

function byteOrderMark(bytes: Uint8Array): string | undefined {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return 'utf-8';
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return 'utf-16le';
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return 'utf-16be';
  return undefined;
}

function xmlDeclaredEncoding(bytes: Uint8Array): string | undefined {
  // The declaration is ASCII by definition, so reading the head as Latin-1 is safe.
  const head = iconv.decode(toBuffer(bytes.subarray(0, 512)), 'latin1');
  const match = /^\s*<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._:-]*)["']/.exec(head);
  return match?.[1];
}

function supportedEncoding(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const normalised = label.trim().toLowerCase();
  if (['iso-8859-1', 'iso8859-1', 'latin1', 'latin-1', 'l1', 'us-ascii', 'ascii', 'cp1252'].includes(normalised)) {
    return 'windows-1252';
  }
  if (normalised === 'utf8' || normalised === 'utf-8') return 'utf-8';
  return iconv.encodingExists(normalised) ? normalised : undefined;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
