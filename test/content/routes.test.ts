import { readFileSync } from 'node:fs';
import ICAL from 'ical.js';
import { beforeEach, expect, it } from 'vitest';
import type { ContentItem } from '../../src/content/items.ts';
import type { ImportResult } from '../../src/content/ingest.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { projectFixture } from '../helpers/fixtures.ts';

const now = new Date('2026-12-01T08:00:00Z');

const forum = {
  kind: 'event',
  title: 'Asia-Pacific Forum on Governance Innovation',
  url: 'https://example.org/events/forum-2027',
  summary: '<p>Regional exchange on <b>public sector innovation</b>.</p>',
  startsAt: '2027-03-10T09:00',
  endsAt: '2027-03-11T17:00',
  timezone: 'Asia/Seoul',
  location: { venue: 'Convention Centre', city: 'Seoul', country: 'Republic of Korea' },
  registrationUrl: 'https://example.org/events/forum-2027/register',
  registrationDeadline: '2027-02-20T23:59',
  language: 'en',
  topics: ['Innovation', 'public-service'],
};

describeEachDatabase('content routes', (database) => {
  beforeEach(() => database().reset());

  const setup = () => createTestApp(database().db, { now: () => now });
  const count = async () =>
    Number((await database().db.selectFrom('content_items').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  function upload(request: ReturnType<typeof setup>['request'], bytes: Uint8Array<ArrayBuffer> | string, name: string, kind?: string) {
    const form = new FormData();
    form.set('file', new File([bytes], name));
    if (kind) form.set('kind', kind);
    return request('POST', '/api/content/import', { body: form });
  }

  it('post event stores local times in its zone', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { json: forum });
    expect(response.status).toBe(201);
    const item = (await response.json()) as ContentItem;
    expect(item.startsAt).toBe('2027-03-10T00:00:00.000Z');
    expect(item.endsAt).toBe('2027-03-11T08:00:00.000Z');
    expect(item.timezone).toBe('Asia/Seoul');
    expect(item.city).toBe('Seoul');
    expect(item.topics).toEqual(['innovation', 'public-service']);
    expect(item.calendarUrl).toBe(`https://news.example.org/events/${item.id}.ics`);
    expect(item.ingestedAt).toBe(now.toISOString());
  });

  it('post publication keeps authors and pdf link', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', {
      json: {
        kind: 'publication',
        title: 'Digital Government Review 2026',
        url: 'https://example.org/publications/dgr-2026',
        summary: 'The abstract.',
        publishedAt: '2026-11-15',
        authors: ['R. Kim', 'L. Santos'],
        pdfUrl: 'https://example.org/publications/dgr-2026.pdf',
      },
    });
    expect(response.status).toBe(201);
    const item = (await response.json()) as ContentItem;
    expect(item.authors).toEqual(['R. Kim', 'L. Santos']);
    expect(item.pdfUrl).toBe('https://example.org/publications/dgr-2026.pdf');
    expect(item.publishedAt).toBe('2026-11-15T00:00:00.000Z');
    expect(item.timezone).toBeNull();
  });

  it('malformed json answers 400 and stores nothing', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { body: '{"kind": "event",', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
    expect(await count()).toBe(0);
  });

  it('missing title answers 422 and stores nothing', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { json: { ...forum, title: undefined } });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { details: Array<{ path: string }> } };
    expect(body.error.details[0]!.path).toBe('title');
    expect(await count()).toBe(0);
  });

  it('event without start answers 422', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { json: { ...forum, startsAt: undefined, endsAt: undefined } });
    expect(response.status).toBe(422);
    expect(await count()).toBe(0);
  });

  it('unknown time zone answers 422', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { json: { ...forum, timezone: 'Asia/Atlantis' } });
    expect(response.status).toBe(422);
    expect(await count()).toBe(0);
  });

  it('event ending before start answers 422', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { json: { ...forum, endsAt: '2027-03-09T09:00' } });
    expect(response.status).toBe(422);
  });

  it('javascript url answers 422', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content', { json: { ...forum, url: 'javascript:alert(1)' } });
    expect(response.status).toBe(422);
  });

  it('duplicate url answers 409', async () => {
    const { request } = setup();
    await request('POST', '/api/content', { json: forum });
    const response = await request('POST', '/api/content', { json: forum });
    expect(response.status).toBe(409);
    expect(await count()).toBe(1);
  });

  it('list filters by kind topic and words', async () => {
    const { request } = setup();
    await request('POST', '/api/content', { json: forum });
    await request('POST', '/api/content', { json: { kind: 'news', title: 'Call for papers', url: 'https://example.org/news/cfp', topics: ['research'] } });
    const byKind = (await (await request('GET', '/api/content?kind=news')).json()) as { items: ContentItem[]; total: number };
    expect(byKind.items.map((item) => item.title)).toEqual(['Call for papers']);
    const byTopic = (await (await request('GET', '/api/content?topic=Innovation')).json()) as { total: number };
    expect(byTopic.total).toBe(1);
    const byWords = (await (await request('GET', '/api/content?q=governance%20innovation')).json()) as { items: ContentItem[] };
    expect(byWords.items.map((item) => item.kind)).toEqual(['event']);
  });

  it('list answers the collection shape', async () => {
    const { request } = setup();
    await request('POST', '/api/content', { json: forum });
    const body = (await (await request('GET', '/api/content?page=1&pageSize=10')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ total: 1, page: 1, pageSize: 10 });
  });

  it('patch changes fields and keeps the rest', async () => {
    const { request } = setup();
    const created = (await (await request('POST', '/api/content', { json: forum })).json()) as ContentItem;
    const response = await request('PATCH', `/api/content/${created.id}`, { json: { title: 'Asia-Pacific Forum 2027', city: 'Busan' } });
    expect(response.status).toBe(200);
    const item = (await response.json()) as ContentItem;
    expect(item.title).toBe('Asia-Pacific Forum 2027');
    expect(item.city).toBe('Busan');
    expect(item.startsAt).toBe(created.startsAt);
  });

  it('invalid patch leaves the row unchanged', async () => {
    const { request } = setup();
    const created = (await (await request('POST', '/api/content', { json: forum })).json()) as ContentItem;
    const response = await request('PATCH', `/api/content/${created.id}`, { json: { title: 'New', endsAt: '2020-01-01T00:00:00Z' } });
    expect(response.status).toBe(422);
    const item = (await (await request('GET', `/api/content/${created.id}`)).json()) as ContentItem;
    expect(item.title).toBe(forum.title);
  });

  it('delete removes the item', async () => {
    const { request } = setup();
    const created = (await (await request('POST', '/api/content', { json: forum })).json()) as ContentItem;
    expect((await request('DELETE', `/api/content/${created.id}`)).status).toBe(204);
    expect((await request('GET', `/api/content/${created.id}`)).status).toBe(404);
  });

  it('unknown id answers 404', async () => {
    const { request } = setup();
    expect((await request('GET', '/api/content/999')).status).toBe(404);
    expect((await request('GET', '/api/content/abc')).status).toBe(404);
  });

  it('content api needs a token', async () => {
    const { request } = setup();
    expect((await request('GET', '/api/content', { token: null })).status).toBe(401);
  });

  it('ics import reports each event', async () => {
    const { request } = setup();
    const response = await upload(request, readFileSync(projectFixture('content', 'events.ics')), 'events.ics');
    expect(response.status).toBe(200);
    const result = (await response.json()) as ImportResult;
    expect(result.format).toBe('ics');
    expect(result.counts).toEqual({ created: 4, updated: 0, unchanged: 0, failed: 1 });
    expect(result.entries[4]).toMatchObject({ outcome: 'failed', reason: 'the event ends before it starts' });
  });

  it('ics import resolves each kind of time', async () => {
    const { request } = setup();
    await upload(request, readFileSync(projectFixture('content', 'events.ics')), 'events.ics');
    const rows = await database().db.selectFrom('content_items').selectAll().orderBy('id').execute();
    const byGuid = Object.fromEntries(rows.map((row) => [row.guid, row]));
    expect(new Date(byGuid['forum-2027@example.org']!.starts_at!).toISOString()).toBe('2027-03-10T02:00:00.000Z');
    expect(byGuid['forum-2027@example.org']!.timezone).toBe('Asia/Bangkok');
    expect(byGuid['forum-2027@example.org']!.title).toBe('Asia-Pacific Regional Forum, Bangkok');
    expect(new Date(byGuid['seoul-workshop@example.org']!.starts_at!).toISOString()).toBe('2027-04-20T01:00:00.000Z');
    expect(new Date(byGuid['webinar@example.org']!.ends_at!).toISOString()).toBe('2027-01-15T14:30:00.000Z');
    expect(byGuid['webinar@example.org']!.online).toBe(true);
    expect(byGuid['day@example.org']!.all_day).toBe(true);
    expect(new Date(byGuid['day@example.org']!.starts_at!).toISOString()).toBe('2027-05-31T22:00:00.000Z');
  });

  it('ics download round-trips an event', async () => {
    const { request } = setup();
    const created = (await (await request('POST', '/api/content', { json: forum })).json()) as ContentItem;
    const response = await request('GET', `/events/${created.id}.ics`, { token: null });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/calendar/);
    const event = new ICAL.Event(new ICAL.Component(ICAL.parse(await response.text()) as any[]).getFirstSubcomponent('vevent')!);
    expect(event.uid).toBe(created.guid);
    expect(event.summary).toBe(forum.title);
    expect(event.startDate.toJSDate().toISOString()).toBe(created.startsAt);
    expect(event.endDate.toJSDate().toISOString()).toBe(created.endsAt);
    expect(event.location).toBe('Convention Centre, Seoul, Republic of Korea');
  });

  it('downloaded ics imports without a duplicate', async () => {
    const { request } = setup();
    await upload(request, readFileSync(projectFixture('content', 'events.ics')), 'events.ics');
    const row = await database().db.selectFrom('content_items').selectAll().where('guid', '=', 'forum-2027@example.org').executeTakeFirstOrThrow();
    const file = await (await request('GET', `/events/${row.id}.ics`, { token: null })).text();
    const result = (await (await upload(request, file, 'download.ics')).json()) as ImportResult;
    expect(result.entries[0]!.id).toBe(row.id);
    expect(await count()).toBe(4);
  });

  it('downloaded ics keeps place and registration', async () => {
    const { request } = setup();
    const created = (await (await request('POST', '/api/content', { json: { ...forum, online: true } })).json()) as ContentItem;
    const file = await (await request('GET', `/events/${created.id}.ics`, { token: null })).text();
    await database().db.deleteFrom('content_items').execute();

    const result = (await (await upload(request, file, 'download.ics')).json()) as ImportResult;
    expect(result.counts.created).toBe(1);
    const row = await database().db.selectFrom('content_items').selectAll().executeTakeFirstOrThrow();
    expect(row.timezone).toBe('Asia/Seoul');
    expect(row.venue).toBe('Convention Centre');
    expect(row.city).toBe('Seoul');
    expect(row.country).toBe('Republic of Korea');
    expect(row.online).toBe(true);
    expect(row.registration_url).toBe(created.registrationUrl);
    expect(new Date(row.registration_deadline!).toISOString()).toBe(created.registrationDeadline);
    expect(new Date(row.starts_at!).toISOString()).toBe(created.startsAt);
  });

  it('downloaded all-day ics keeps its day', async () => {
    const { request } = setup();
    await upload(request, readFileSync(projectFixture('content', 'events.ics')), 'events.ics');
    const original = await database().db.selectFrom('content_items').selectAll().where('guid', '=', 'day@example.org').executeTakeFirstOrThrow();
    const file = await (await request('GET', `/events/${original.id}.ics`, { token: null })).text();
    await database().db.deleteFrom('content_items').execute();

    await upload(request, file, 'download.ics');
    const row = await database().db.selectFrom('content_items').selectAll().executeTakeFirstOrThrow();
    expect(row.all_day).toBe(true);
    expect(row.timezone).toBe(original.timezone);
    expect(new Date(row.starts_at!).toISOString()).toBe(new Date(original.starts_at!).toISOString());
  });

  it('ics for a publication answers 404', async () => {
    const { request } = setup();
    const created = (await (await request('POST', '/api/content', { json: { kind: 'news', title: 'x', url: 'https://example.org/x' } })).json()) as ContentItem;
    expect((await request('GET', `/events/${created.id}.ics`, { token: null })).status).toBe(404);
  });

  it('import of a non-feed file answers 422', async () => {
    const { request } = setup();
    const response = await upload(request, '<html><body>Hello</body></html>', 'page.html', 'news');
    expect(response.status).toBe(422);
    expect(await count()).toBe(0);
  });

  it('import without multipart answers 400', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/content/import', { json: { kind: 'news' } });
    expect(response.status).toBe(400);
  });

  it('import without file answers 422', async () => {
    const { request } = setup();
    const form = new FormData();
    form.set('kind', 'news');
    expect((await request('POST', '/api/content/import', { body: form })).status).toBe(422);
  });

  it('ics imported as news answers 422', async () => {
    const { request } = setup();
    const response = await upload(request, readFileSync(projectFixture('content', 'events.ics')), 'events.ics', 'news');
    expect(response.status).toBe(422);
    expect(await count()).toBe(0);
  });
});
