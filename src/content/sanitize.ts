/**
 * HTML from outside (feed summaries, API input) made safe to show in an issue and in the
 * console: no scripts, no event handlers, no `javascript:` or `data:` URLs, no tracking pixels.
 */
import sanitizeHtml from 'sanitize-html';

const summaryOptions: sanitizeHtml.IOptions = {
  allowedTags: [
    'p', 'br', 'a', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'blockquote',
    'h2', 'h3', 'h4', 'img', 'figure', 'figcaption', 'code', 'pre', 'sub', 'sup',
  ],
  allowedAttributes: {
    a: ['href', 'title'],
    img: ['src', 'alt', 'width', 'height'],
  },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['http', 'https'] },
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  // Feed services append 1x1 images to count readers; they carry nothing for a newsletter.
  exclusiveFilter: (frame) =>
    frame.tag === 'img' &&
    (!frame.attribs.src || (Number(frame.attribs.width) <= 1 && Number(frame.attribs.height) <= 1)),
};

/** Returns the HTML with only the tags and attributes a newsletter summary needs. */
export function sanitizeSummary(html: string): string {
  return sanitizeHtml(html, summaryOptions).trim();
}

/**
 * Returns the text of an HTML fragment: tags dropped, entities decoded, block ends kept as
 * line breaks, runs of spaces collapsed.
 */
export function plainText(html: string): string {
  const withBreaks = html.replace(/<\/(p|div|li|h[1-6]|blockquote|tr)\s*>|<br\s*\/?>/gi, '$&\n');
  const escaped = sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} });
  // sanitize-html decodes every entity while parsing and re-escapes only these four.
  const text = escaped
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&');
  return text
    .split('\n')
    .map((line) => line.replace(/\s+/g, ' ').trim())
    .filter((line) => line !== '')
    .join('\n');
}

/** Returns the text of an HTML fragment on one line (titles, names). */
export function singleLine(html: string): string {
  return plainText(html).replace(/\n/g, ' ');
}

/** Returns the URL when it is absolute http(s), else undefined (drops `javascript:` and the like). */
export function safeHttpUrl(value: string | null | undefined): string | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (!URL.canParse(trimmed)) return undefined;
  const url = new URL(trimmed);
  return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined;
}
