import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { decodeDocument } from '../../src/content/encoding.ts';
import { plainText, sanitizeSummary } from '../../src/content/sanitize.ts';

const latin = (text: string) => new Uint8Array(iconv.encode(text, 'windows-1252'));

describe('decodeDocument', () => {
  it('follows the xml declaration', () => {
    const decoded = decodeDocument(latin('<?xml version="1.0" encoding="ISO-8859-1"?><a>Informação</a>'));
    expect(decoded.text).toContain('Informação');
    expect(decoded.source).toBe('xml');
  });

  it('lets the http charset win', () => {
    const bytes = new Uint8Array(Buffer.from('<?xml version="1.0" encoding="ISO-8859-1"?><a>Ação</a>', 'utf8'));
    const decoded = decodeDocument(bytes, 'application/xml; charset=utf-8');
    expect(decoded.text).toContain('Ação');
    expect(decoded.source).toBe('http');
  });

  it('falls back when declared utf-8 is not', () => {
    const decoded = decodeDocument(latin('<?xml version="1.0" encoding="windows-1252"?><a>“quoted”</a>'), 'text/xml; charset=utf-8');
    expect(decoded.text).toContain('“quoted”');
  });

  it('detects utf-8 without a declaration', () => {
    const decoded = decodeDocument(new Uint8Array(Buffer.from('<a>Gouvernance numérique</a>', 'utf8')));
    expect(decoded.encoding).toBe('utf-8');
    expect(decoded.source).toBe('detected');
  });

  it('honours a byte-order mark', () => {
    const decoded = decodeDocument(new Uint8Array(Buffer.from('\uFEFFtitle,url\n', 'utf8')));
    expect(decoded.text).toBe('title,url\n');
  });
});

describe('sanitizeSummary', () => {
  it('drops data urls in images', () => {
    expect(sanitizeSummary('<img src="data:image/png;base64,AAAA" width="10" height="10">')).toBe('');
  });

  it('keeps plain formatting', () => {
    expect(sanitizeSummary('<p>A <strong>b</strong> <a href="mailto:x@example.org">c</a></p>')).toBe(
      '<p>A <strong>b</strong> <a href="mailto:x@example.org">c</a></p>',
    );
  });
});

describe('plainText', () => {
  it('keeps paragraph breaks and decodes entities', () => {
    expect(plainText('<p>Fish &amp; chips</p><p>Tea&nbsp;time</p>')).toBe('Fish & chips\nTea time');
  });
});
