/**
 * A fixed content set for digest runs at 2027-01-04T00:00:00Z (09:00 in Seoul, the first Monday
 * of January). The digest uses a 45-day event window and at most two items per section. With no
 * earlier issue, the first one looks back 31 days, to 4 December. So it holds, in order: events
 * `forum` then `lab` (`workshop` is the third and falls to the limit), publications `brief`
 * then `report` (newest first), and news `partnership`.
 */
import type { Db } from '../../src/db/connect.ts';
import type { NewContentItem } from '../../src/db/schema.ts';

export const runAt = new Date('2027-01-04T00:00:00Z');

export type ContentKey = 'forum' | 'lab' | 'workshop' | 'summit' | 'roundtable' | 'report' | 'brief' | 'paper' | 'partnership';

const item = (guid: string, fields: Partial<NewContentItem>): NewContentItem => ({
  kind: 'publication',
  guid,
  content_hash: guid,
  title: guid,
  ingested_at: '2026-09-01T00:00:00Z',
  ...fields,
});

export const content: Record<ContentKey, NewContentItem> = {
  forum: item('forum', {
    kind: 'event',
    title: 'Regional Forum on Digital Government',
    url: 'https://www.example.org/events/forum-seoul',
    summary: 'Two days on digital public infrastructure.',
    starts_at: '2027-01-12T00:00:00Z',
    ends_at: '2027-01-12T08:00:00Z',
    timezone: 'Asia/Seoul',
    venue: 'Conference Centre',
    city: 'Seoul',
    country: 'Republic of Korea',
    registration_url: 'https://www.example.org/events/forum-seoul/register',
    topics: ['digital-government'],
  }),
  lab: item('lab', {
    kind: 'event',
    title: 'Open Data Lab for Municipalities',
    url: 'https://www.example.org/events/open-data-lab',
    summary: 'A hands-on online session.',
    starts_at: '2027-01-20T14:00:00Z',
    ends_at: '2027-01-20T16:00:00Z',
    timezone: 'Europe/Berlin',
    online: true,
    topics: ['open-data'],
  }),
  workshop: item('workshop', {
    kind: 'event',
    title: 'Workshop on Open Budgets',
    url: 'https://www.example.org/events/open-budgets',
    starts_at: '2027-02-10T13:00:00Z',
    timezone: 'Europe/Paris',
    city: 'Paris',
    country: 'France',
  }),
  summit: item('summit', {
    kind: 'event',
    title: 'Global Summit in May',
    url: 'https://www.example.org/events/summit',
    starts_at: '2027-05-01T09:00:00Z',
    timezone: 'UTC',
  }),
  roundtable: item('roundtable', {
    kind: 'event',
    title: 'December Roundtable',
    url: 'https://www.example.org/events/roundtable',
    starts_at: '2026-12-01T09:00:00Z',
    timezone: 'UTC',
  }),
  report: item('report', {
    title: 'Public Sector Innovation Report',
    url: 'https://www.example.org/publications/innovation-report',
    summary: 'Case studies from twelve administrations.',
    authors: ['A. Researcher', 'B. Analyst'],
    pdf_url: 'https://www.example.org/publications/innovation-report.pdf',
    published_at: '2026-12-20T10:00:00Z',
    topics: ['digital-government'],
  }),
  brief: item('brief', {
    title: 'Policy Brief on Participatory Budgeting',
    url: 'https://www.example.org/publications/participatory-budgeting',
    summary: 'What a decade of participatory budgets teaches.',
    published_at: '2026-12-28T10:00:00Z',
    topics: ['open-data'],
  }),
  paper: item('paper', {
    title: 'Working Paper from October',
    url: 'https://www.example.org/publications/october-paper',
    published_at: '2026-10-01T10:00:00Z',
  }),
  partnership: item('partnership', {
    kind: 'news',
    title: 'New Partnership with the Regional Academy',
    url: 'https://www.example.org/news/partnership',
    summary: 'A joint training programme starts in spring.',
    ingested_at: '2027-01-02T08:00:00Z',
  }),
};

/** Inserts the content set; returns the item ids by key. */
export async function seedContent(db: Db): Promise<Record<ContentKey, string>> {
  const ids = {} as Record<ContentKey, string>;
  for (const [key, row] of Object.entries(content) as [ContentKey, NewContentItem][]) {
    ids[key] = (await db.insertInto('content_items').values(row).returning('id').executeTakeFirstOrThrow()).id;
  }
  return ids;
}

/** Returns the titles of the content set in the order they occur in `body`. */
export function titlesIn(body: string): string[] {
  return Object.values(content)
    .map((row) => ({ title: row.title, at: body.indexOf(row.title) }))
    .filter((found) => found.at >= 0)
    .sort((a, b) => a.at - b.at)
    .map((found) => found.title);
}
