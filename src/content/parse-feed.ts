/**
 * RSS 2.0, RSS 0.9x, RSS 1.0 (RDF), Atom and JSON Feed, read with feedsmith, mapped to entry
 * drafts. Feedsmith keeps dates as the feed wrote them; `parseFeedDate` reads them.
 */
import { parseFeed } from 'feedsmith';
import { parseFeedDate } from './dates.ts';
import type { EntryDraft } from './entry.ts';
import type { ParsedDocument, ParsedEntry } from './parsed.ts';
import { singleLine } from './sanitize.ts';

/** Thrown when a text is not a feed at all. */
export class NotAFeedError extends Error {
  override name = 'NotAFeedError';
}

/** Parses a feed document into entry drafts; throws `NotAFeedError` when it is not one. */
export function parseFeedText(text: string): ParsedDocument {
  let parsed: ReturnType<typeof parseFeed>;
  try {
    parsed = parseFeed(text);
  } catch (error) {
    throw new NotAFeedError(`not an RSS, Atom or JSON feed (${(error as Error).message})`);
  }
  const { format } = parsed;
  const feed = parsed.feed as any;

  if (format === 'atom') {
    const entries: any[] = feed.entries ?? [];
    return {
      format,
      title: textOf(feed.title),
      publishedAt: parseFeedDate(feed.updated),
      language: feed.xml?.lang,
      entries: entries.map((entry, index) => draftOf(index, () => atomDraft(entry))),
    };
  }
  if (format === 'json') {
    const items: any[] = feed.items ?? [];
    return {
      format,
      title: textOf(feed.title),
      language: feed.language,
      entries: items.map((item, index) => draftOf(index, () => jsonDraft(item, feed))),
    };
  }
  const items: any[] = feed.items ?? [];
  return {
    format,
    title: textOf(feed.title),
    publishedAt: parseFeedDate(feed.pubDate ?? feed.lastBuildDate ?? feed.dc?.date ?? feed.dc?.dates?.[0]),
    language: feed.language ?? feed.dc?.language ?? feed.dc?.languages?.[0],
    entries: items.map((item, index) => draftOf(index, () => rssDraft(item))),
  };
}

function draftOf(index: number, build: () => EntryDraft): ParsedEntry {
  try {
    return { position: index + 1, draft: build() };
  } catch (error) {
    return { position: index + 1, error: `unreadable entry: ${(error as Error).message}` };
  }
}

function rssDraft(item: any): EntryDraft {
  const enclosures: any[] = item.enclosures ?? (item.enclosure ? [item.enclosure] : []);
  const date = item.pubDate ?? item.dc?.date ?? item.dc?.dates?.[0] ?? item.atom?.published ?? item.atom?.updated;
  const creators: string[] = [
    ...(item.authors ?? []).map((author: any) => (typeof author === 'string' ? author : author?.name ?? author?.email)),
    ...(item.dc?.creators ?? (item.dc?.creator ? [item.dc.creator] : [])),
  ].filter((name): name is string => typeof name === 'string' && name.trim() !== '');
  return {
    guid: item.guid?.value ?? (typeof item.guid === 'string' ? item.guid : undefined),
    title: item.title ?? item.dc?.title,
    url: item.link ?? (item.guid?.isPermaLink !== false ? item.guid?.value : undefined),
    summary: item.description ?? item.content?.encoded ?? item.dc?.description ?? '',
    publishedAt: parseFeedDate(date),
    topics: (item.categories ?? []).map((category: any) => category?.name ?? category).filter(isText),
    authors: creators,
    imageUrl: imageOf(enclosures, item.media, item.itunes),
    pdfUrl: enclosures.find((enclosure) => /pdf/i.test(enclosure?.type ?? ''))?.url,
    language: item.dc?.language,
  };
}

function atomDraft(entry: any): EntryDraft {
  const links: any[] = entry.links ?? [];
  const alternate = links.find((link) => !link.rel || link.rel === 'alternate') ?? links[0];
  const enclosures = links
    .filter((link) => link.rel === 'enclosure')
    .map((link) => ({ url: link.href, type: link.type }));
  return {
    guid: entry.id,
    title: textOf(entry.title),
    url: alternate?.href,
    summary: textOf(entry.summary) ?? textOf(entry.content) ?? '',
    publishedAt: parseFeedDate(entry.published ?? entry.updated),
    topics: (entry.categories ?? []).map((category: any) => category?.label ?? category?.term).filter(isText),
    authors: (entry.authors ?? []).map((author: any) => author?.name).filter(isText),
    imageUrl: imageOf(enclosures, entry.media, entry.itunes),
    pdfUrl: enclosures.find((enclosure) => /pdf/i.test(enclosure.type ?? ''))?.url,
  };
}

function jsonDraft(item: any, feed: any): EntryDraft {
  const attachments: any[] = item.attachments ?? [];
  return {
    guid: item.id === undefined ? undefined : String(item.id),
    title: item.title,
    url: item.url ?? item.external_url,
    summary: item.summary ?? item.content_html ?? escapeText(item.content_text) ?? '',
    publishedAt: parseFeedDate(item.date_published ?? item.date_modified),
    topics: (item.tags ?? []).filter(isText),
    authors: (item.authors ?? feed.authors ?? []).map((author: any) => author?.name).filter(isText),
    imageUrl: item.image ?? item.banner_image,
    pdfUrl: attachments.find((attachment) => /pdf/i.test(attachment?.mime_type ?? ''))?.url,
    language: item.language,
  };
}

function imageOf(enclosures: any[], media: any, itunes: any): string | undefined {
  const enclosed = enclosures.find((enclosure) => /^image\//i.test(enclosure?.type ?? ''))?.url;
  if (enclosed) return enclosed;
  const thumbnail = media?.thumbnails?.[0]?.url ?? media?.thumbnail?.url;
  if (thumbnail) return thumbnail;
  const content = (media?.contents ?? []).find(
    (candidate: any) => candidate?.medium === 'image' || /^image\//i.test(candidate?.type ?? ''),
  );
  return content?.url ?? itunes?.image;
}

function textOf(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && 'value' in value && typeof value.value === 'string') return value.value;
  return undefined;
}

function escapeText(text: unknown): string | undefined {
  if (typeof text !== 'string') return undefined;
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function isText(value: unknown): value is string {
  return typeof value === 'string' && singleLine(value) !== '';
}
