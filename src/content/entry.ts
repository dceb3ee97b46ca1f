/**
 * One content entry in the form every source produces (API, CSV, feeds, `.ics`) before it is
 * stored, and the checks and fingerprint that apply to all of them.
 */
import type { ContentKind, NewContentItem } from '../db/schema.ts';
import { canonicalTimeZone } from './dates.ts';
import { safeHttpUrl, sanitizeSummary, singleLine } from './sanitize.ts';

export const contentKinds = ['event', 'publication', 'news'] as const satisfies readonly ContentKind[];

/** A validated entry, ready to store. Text fields are clean; `summary` is sanitised HTML. */
export interface ContentEntry {
  kind: ContentKind;
  /** The source's own identifier, else the link, else a hash of title and date. */
  guid: string;
  title: string;
  summary: string;
  url: string | null;
  imageUrl: string | null;
  topics: string[];
  language: string | null;
  publishedAt: Date | null;
  startsAt: Date | null;
  endsAt: Date | null;
  /** IANA time zone of an event; null for publications and news. */
  timezone: string | null;
  allDay: boolean;
  venue: string | null;
  online: boolean;
  city: string | null;
  country: string | null;
  registrationUrl: string | null;
  registrationDeadline: Date | null;
  authors: string[];
  pdfUrl: string | null;
}

/** An entry as a parser found it: anything may be missing or unclean. */
export type EntryDraft = { [K in keyof Omit<ContentEntry, 'kind'>]?: ContentEntry[K] | null | undefined } & {
  kind?: ContentKind;
};

/** An entry that cannot be stored, with the reason given back to the caller. */
export class EntryError extends Error {
  override name = 'EntryError';
}

/**
 * Checks and cleans a draft: strips markup from the title, sanitises the summary, keeps only
 * http(s) links, normalises topics, and checks an event's time zone and dates. Throws an
 * `EntryError` naming the first problem.
 */
export async function buildEntry(kind: ContentKind, draft: EntryDraft): Promise<ContentEntry> {
  const title = singleLine(draft.title ?? '');
  if (title === '') throw new EntryError('missing title');
  const url = safeHttpUrl(draft.url) ?? null;
  const publishedAt = validDate(draft.publishedAt);

  const entry: ContentEntry = {
    kind,
    guid: '',
    title: title.slice(0, 1000),
    summary: sanitizeSummary(draft.summary ?? ''),
    url,
    imageUrl: safeHttpUrl(draft.imageUrl) ?? null,
    topics: normaliseTopics(draft.topics ?? []),
    language: cleanText(draft.language)?.toLowerCase() ?? null,
    publishedAt,
    startsAt: null,
    endsAt: null,
    timezone: null,
    allDay: false,
    venue: null,
    online: false,
    city: null,
    country: null,
    registrationUrl: null,
    registrationDeadline: null,
    authors: (draft.authors ?? []).map((author) => singleLine(author)).filter(Boolean),
    pdfUrl: safeHttpUrl(draft.pdfUrl) ?? null,
  };

  if (kind === 'event') {
    const zoneName = draft.timezone ?? 'UTC';
    const timezone = canonicalTimeZone(zoneName);
    if (!timezone) throw new EntryError(`unknown time zone "${zoneName}"; expected an IANA name such as Asia/Seoul`);
    entry.timezone = timezone;
    entry.startsAt = validDate(draft.startsAt);
    entry.endsAt = validDate(draft.endsAt);
    if (entry.endsAt && !entry.startsAt) throw new EntryError('an event with an end needs a start');
    if (entry.startsAt && entry.endsAt && entry.endsAt < entry.startsAt) {
      throw new EntryError('the event ends before it starts');
    }
    entry.allDay = Boolean(draft.allDay);
    entry.venue = cleanText(draft.venue);
    entry.online = Boolean(draft.online);
    entry.city = cleanText(draft.city);
    entry.country = cleanText(draft.country);
    entry.registrationUrl = safeHttpUrl(draft.registrationUrl) ?? null;
    entry.registrationDeadline = validDate(draft.registrationDeadline);
  }

  const guid = cleanText(draft.guid) ?? url ?? `sha256:${await sha256Hex(`${title}\n${publishedAt?.toISOString() ?? ''}`)}`;
  entry.guid = guid.slice(0, 2000);
  return entry;
}

/**
 * Fingerprints what the source said about an entry, so a re-import of an unchanged entry
 * changes nothing and an edited one updates its row.
 */
export async function contentHash(entry: ContentEntry): Promise<string> {
  const fields = Object.keys(entry)
    .sort()
    .map((key) => {
      const value = entry[key as keyof ContentEntry];
      return [key, value instanceof Date ? value.toISOString() : value];
    });
  return sha256Hex(JSON.stringify(fields));
}

/** Returns the columns of a `content_items` row for an entry. */
export function entryColumns(entry: ContentEntry, hash: string): Omit<NewContentItem, 'ingested_at' | 'updated_at'> {
  return {
    kind: entry.kind,
    guid: entry.guid,
    content_hash: hash,
    title: entry.title,
    summary: entry.summary,
    url: entry.url,
    image_url: entry.imageUrl,
    topics: entry.topics,
    language: entry.language,
    published_at: entry.publishedAt,
    starts_at: entry.startsAt,
    ends_at: entry.endsAt,
    timezone: entry.timezone,
    all_day: entry.allDay,
    venue: entry.venue,
    online: entry.online,
    city: entry.city,
    country: entry.country,
    registration_url: entry.registrationUrl,
    registration_deadline: entry.registrationDeadline,
    authors: entry.authors,
    pdf_url: entry.pdfUrl,
  };
}

/**
 * Turns topic names into slugs (`Digital Government` → `digital-government`, accents dropped),
 * without duplicates, so content topics compare with subscriber topic slugs.
 */
export function normaliseTopics(topics: readonly string[]): string[] {
  const slugs = topics
    .map((topic) =>
      topic
        .normalize('NFKD')
        .replace(/[\u0300-\u036f]/g, '')
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 80),
    )
    .filter(Boolean);
  return [...new Set(slugs)].slice(0, 50);
}

function cleanText(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const text = singleLine(value);
  return text === '' ? null : text.slice(0, 500);
}

function validDate(value: Date | null | undefined): Date | null {
  return value instanceof Date && !Number.isNaN(value.getTime()) ? value : null;
}

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, '0')).join('');
}
