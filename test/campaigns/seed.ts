/**
 * A fixed content set for composing tests: events in several zones, publications and news,
 * some inside and some outside the windows the tests use.
 */
import type { Db } from '../../src/db/connect.ts';
import type { NewContentItem } from '../../src/db/schema.ts';

export const clock = new Date('2027-01-04T00:00:00Z');

export type SeedKey = 'seoul' | 'paris' | 'farEvent' | 'pastEvent' | 'report' | 'brief' | 'oldPaper' | 'news';

const base = (guid: string, fields: Partial<NewContentItem>): NewContentItem => ({
  kind: 'publication',
  guid,
  content_hash: guid,
  title: guid,
  ingested_at: '2026-09-01T00:00:00Z',
  ...fields,
});

export const seedItems: Record<SeedKey, NewContentItem> = {
  seoul: base('seoul', {
    kind: 'event',
    title: 'Regional Forum on Digital Government',
    url: 'https://www.example.org/events/forum-seoul',
    summary: '<p>Two days on <b>digital public infrastructure</b>.</p>',
    starts_at: '2027-01-12T00:00:00Z',
    ends_at: '2027-01-12T08:00:00Z',
    timezone: 'Asia/Seoul',
    venue: 'Conference Centre',
    city: 'Seoul',
    country: 'Republic of Korea',
    registration_url: 'https://www.example.org/events/forum-seoul/register',
    topics: ['digital'],
  }),
  paris: base('paris', {
    kind: 'event',
    title: 'Workshop on Open Budgets',
    url: 'https://www.example.org/events/open-budgets',
    summary: 'An online capacity-development workshop.',
    starts_at: '2027-02-10T13:00:00Z',
    ends_at: '2027-02-10T15:00:00Z',
    timezone: 'Europe/Paris',
    online: true,
    topics: ['budgets'],
  }),
  farEvent: base('far-event', {
    kind: 'event',
    title: 'Global Forum in May',
    url: 'https://www.example.org/events/global-forum',
    starts_at: '2027-05-01T09:00:00Z',
    timezone: 'UTC',
  }),
  pastEvent: base('past-event', {
    kind: 'event',
    title: 'December Roundtable',
    url: 'https://www.example.org/events/roundtable',
    starts_at: '2026-12-01T09:00:00Z',
    timezone: 'UTC',
  }),
  report: base('report', {
    title: 'Public Sector Innovation Report',
    url: 'https://www.example.org/publications/innovation-report',
    summary: 'Case studies from twelve administrations.',
    authors: ['A. Researcher', 'B. Analyst'],
    pdf_url: 'https://www.example.org/publications/innovation-report.pdf',
    published_at: '2026-12-20T10:00:00Z',
    topics: ['digital'],
  }),
  brief: base('brief', {
    title: 'Policy Brief on Participatory Budgeting',
    url: 'https://www.example.org/publications/participatory-budgeting',
    summary: 'What a decade of participatory budgets teaches.',
    published_at: '2026-12-28T10:00:00Z',
    topics: ['budgets'],
  }),
  oldPaper: base('old-paper', {
    title: 'Working Paper from October',
    url: 'https://www.example.org/publications/october-paper',
    published_at: '2026-10-01T10:00:00Z',
  }),
  news: base('news', {
    kind: 'news',
    title: 'New Partnership with the Regional Academy',
    url: 'https://www.example.org/news/partnership',
    summary: 'A joint training programme starts in spring.',
    published_at: null,
    ingested_at: '2027-01-02T08:00:00Z',
  }),
};

/** Inserts the content set and a list; returns the item ids by key. */
export async function seedContent(db: Db): Promise<Record<SeedKey, string>> {
  await db.insertInto('lists').values({ slug: 'monthly', name: 'Monthly newsletter' }).execute();
  const ids = {} as Record<SeedKey, string>;
  for (const [key, item] of Object.entries(seedItems) as [SeedKey, NewContentItem][]) {
    const row = await db.insertInto('content_items').values(item).returning('id').executeTakeFirstOrThrow();
    ids[key] = row.id;
  }
  return ids;
}
