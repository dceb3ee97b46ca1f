/**
 * Turns content rows into what the templates show: plain-text summaries, event dates in the
 * event's zone (and a merge field for the reader's), "Online" or the venue, the calendar link, and the editor's Markdown introduction
 * as sanitised HTML.
 */
import { marked } from 'marked';
import sanitizeHtml from 'sanitize-html';
import type { EventView, PublicationView } from '../../emails/components/sections.tsx';
import { formatDay, formatEventWhen } from '../../emails/format.ts';
import type { ContentItemRow } from '../db/schema.ts';
import { localTimeField } from './merge-fields.ts';

/** The columns of a content item that composing reads. */
export type ComposedItem = Pick<
  ContentItemRow,
  | 'id'
  | 'kind'
  | 'title'
  | 'summary'
  | 'url'
  | 'topics'
  | 'published_at'
  | 'ingested_at'
  | 'starts_at'
  | 'ends_at'
  | 'timezone'
  | 'all_day'
  | 'venue'
  | 'online'
  | 'city'
  | 'country'
  | 'registration_url'
  | 'authors'
  | 'pdf_url'
>;

export const composedItemColumns = [
  'id',
  'kind',
  'title',
  'summary',
  'url',
  'topics',
  'published_at',
  'ingested_at',
  'starts_at',
  'ends_at',
  'timezone',
  'all_day',
  'venue',
  'online',
  'city',
  'country',
  'registration_url',
  'authors',
  'pdf_url',
] as const;

export interface SectionViews {
  events: EventView[];
  publications: PublicationView[];
  news: PublicationView[];
}

const summaryLength = 320;

/** Splits items into the three sections, keeping their order. */
export function sectionViews(items: ComposedItem[], publicUrl: string): SectionViews {
  const views: SectionViews = { events: [], publications: [], news: [] };
  for (const item of items) {
    if (item.kind === 'event') views.events.push(eventView(item, publicUrl));
    else if (item.kind === 'publication') views.publications.push(publicationView(item));
    else views.news.push(publicationView(item));
  }
  return views;
}

function eventView(item: ComposedItem, publicUrl: string): EventView {
  const place = [item.venue, item.city, item.country].filter(Boolean).join(', ');
  return {
    id: item.id,
    title: item.title,
    url: safeUrl(item.url),
    summary: plainSummary(item.summary),
    when: item.starts_at ? eventWhen(item, new Date(item.starts_at)) : '',
    where: item.online ? (place ? `${place}, and online` : 'Online') : place || 'Venue to be announced',
    registrationUrl: safeUrl(item.registration_url),
    calendarUrl: `${publicUrl}/events/${item.id}.ics`,
  };
}

/** Formats the event's time in its own zone, followed by the reader's local time (a merge field) unless the event is all-day. */
function eventWhen(item: ComposedItem, startsAt: Date): string {
  const endsAt = item.ends_at ? new Date(item.ends_at) : null;
  const when = formatEventWhen(startsAt, endsAt, item.timezone, item.all_day);
  if (item.all_day) return when;
  return `${when}${localTimeField(startsAt, endsAt, item.timezone ?? 'UTC')}`;
}

function publicationView(item: ComposedItem): PublicationView {
  const published = item.published_at ?? item.ingested_at;
  return {
    id: item.id,
    title: item.title,
    url: safeUrl(item.url),
    summary: plainSummary(item.summary),
    authors: item.authors ?? [],
    date: published ? formatDay(new Date(published)) : null,
    pdfUrl: safeUrl(item.pdf_url),
  };
}

/** Content summaries may hold (sanitised) HTML; emails show a short plain-text version. */
export function plainSummary(summary: string): string {
  // A space after each block keeps "…exit.</p><ul><li>Checklists" from running together.
  const spaced = (summary ?? '').replace(/(<\/(?:p|div|li|h[1-6]|blockquote|td|th|tr)>|<br\s*\/?>)/gi, '$1 ');
  const text = sanitizeHtml(spaced, { allowedTags: [], allowedAttributes: {} })
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
  if (text.length <= summaryLength) return text;
  const cut = text.slice(0, summaryLength);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(' '), summaryLength - 40)).trimEnd()}…`;
}

/** The editor's introduction: Markdown to HTML, then only harmless tags and http(s) links. */
export function introHtml(markdown: string): string {
  if (!markdown.trim()) return '';
  const html = marked.parse(markdown, { async: false, gfm: true });
  return sanitizeHtml(html, {
    allowedTags: ['p', 'br', 'strong', 'b', 'em', 'i', 'a', 'ul', 'ol', 'li', 'blockquote', 'h3', 'h4', 'code'],
    allowedAttributes: { a: ['href', 'title'] },
    allowedSchemes: ['http', 'https', 'mailto'],
    transformTags: { a: sanitizeHtml.simpleTransform('a', { target: '_blank', rel: 'noopener' }) },
  });
}

function safeUrl(url: string | null | undefined): string | null {
  if (!url) return null;
  return /^https?:\/\//i.test(url) ? url : null;
}
