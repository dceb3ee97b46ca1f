/**
 * CSV content files read with csv-parse. The header names the columns; names are matched
 * without regard to case, spaces or underscores, and common synonyms are accepted
 * (`abstract` for `summary`, `start` for `startsAt`, `link` for `url`).
 */
import { parse } from 'csv-parse/sync';
import { canonicalTimeZone, parseIsoInZone } from './dates.ts';
import { contentKinds, type EntryDraft } from './entry.ts';
import type { ParsedDocument, ParsedEntry } from './parsed.ts';
import type { ContentKind } from '../db/schema.ts';

export class UnreadableCsvError extends Error {
  override name = 'UnreadableCsvError';
}

const columnNames: Record<string, keyof EntryDraft> = {
  kind: 'kind',
  type: 'kind',
  guid: 'guid',
  id: 'guid',
  uid: 'guid',
  title: 'title',
  name: 'title',
  url: 'url',
  link: 'url',
  summary: 'summary',
  abstract: 'summary',
  description: 'summary',
  publishedat: 'publishedAt',
  published: 'publishedAt',
  publicationdate: 'publishedAt',
  date: 'publishedAt',
  startsat: 'startsAt',
  start: 'startsAt',
  endsat: 'endsAt',
  end: 'endsAt',
  timezone: 'timezone',
  tz: 'timezone',
  allday: 'allDay',
  venue: 'venue',
  location: 'venue',
  online: 'online',
  city: 'city',
  country: 'country',
  registrationurl: 'registrationUrl',
  registration: 'registrationUrl',
  registrationdeadline: 'registrationDeadline',
  deadline: 'registrationDeadline',
  language: 'language',
  topics: 'topics',
  tags: 'topics',
  imageurl: 'imageUrl',
  image: 'imageUrl',
  authors: 'authors',
  author: 'authors',
  pdfurl: 'pdfUrl',
  pdf: 'pdfUrl',
};

const listSeparator = /\s*[;|]\s*/;

/** Parses a CSV text into drafts; rows that cannot be read carry their line and reason. */
export function parseCsvText(text: string): ParsedDocument {
  let records: Array<{ record: Record<string, string>; info: { lines: number } }>;
  try {
    records = parse(text, {
      bom: true,
      columns: (header: string[]) => header.map((name) => columnNames[normaliseName(name)] ?? `ignored:${name}`),
      info: true,
      skip_empty_lines: true,
      relax_column_count: true,
      trim: true,
    }) as any;
  } catch (error) {
    throw new UnreadableCsvError(`not a readable CSV file (${(error as Error).message})`);
  }
  if (records.length > 0 && !('title' in records[0]!.record)) {
    throw new UnreadableCsvError('the CSV header has no "title" column');
  }
  const entries: ParsedEntry[] = records.map(({ record, info }) => {
    try {
      return { position: info.lines, draft: rowDraft(record) };
    } catch (error) {
      return { position: info.lines, error: (error as Error).message };
    }
  });
  return { format: 'csv', entries };
}

function rowDraft(row: Record<string, string>): EntryDraft {
  const value = (key: keyof EntryDraft) => {
    const text = row[key];
    return text === undefined || text === '' ? undefined : text;
  };
  const kindText = value('kind')?.toLowerCase();
  if (kindText !== undefined && !contentKinds.includes(kindText as ContentKind)) {
    throw new Error(`unknown kind "${kindText}"; expected event, publication or news`);
  }
  const timezone = value('timezone') ?? 'UTC';
  if (!canonicalTimeZone(timezone)) throw new Error(`unknown time zone "${timezone}"; expected an IANA name such as Asia/Seoul`);
  const date = (key: keyof EntryDraft) => {
    const text = value(key);
    if (text === undefined) return { date: undefined, dateOnly: false };
    const parsed = parseIsoInZone(text, timezone);
    if (!parsed) throw new Error(`invalid ${key} "${text}"; expected an ISO 8601 date such as 2027-03-10T09:00`);
    return parsed;
  };
  const start = date('startsAt');
  return {
    kind: kindText as ContentKind | undefined,
    guid: value('guid'),
    title: value('title'),
    url: value('url'),
    summary: value('summary'),
    publishedAt: date('publishedAt').date,
    startsAt: start.date,
    endsAt: date('endsAt').date,
    timezone: value('timezone'),
    allDay: flag(value('allDay')) ?? start.dateOnly,
    venue: value('venue'),
    online: flag(value('online')) ?? /^online$/i.test(value('venue') ?? ''),
    city: value('city'),
    country: value('country'),
    registrationUrl: value('registrationUrl'),
    registrationDeadline: date('registrationDeadline').date,
    language: value('language'),
    topics: value('topics')?.split(listSeparator) ?? [],
    imageUrl: value('imageUrl'),
    authors: value('authors')?.split(listSeparator) ?? [],
    pdfUrl: value('pdfUrl'),
  };
}

function flag(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  return ['1', 'true', 'yes', 'y'].includes(text.toLowerCase());
}

function normaliseName(name: string): string {
  return name.toLowerCase().replace(/[\s_-]+/g, '');
}
