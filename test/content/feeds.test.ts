import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { pollFeedsOnce } from '../../src/content/feed-poller.ts';
import { refreshFeed, type Feed, type FeedFetchResult } from '../../src/content/feeds.ts';
import { fetchFeedDocument } from '../../src/content/fetch-feed.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';

/** A feed server on 127.0.0.1 whose answers each test sets, recording every request. */
interface Route {
  status?: number;
  body?: string | Buffer;
  headers?: Record<string, string>;
  delayMs?: number;
}
const routes = new Map<string, Route>();
const requests: IncomingMessage[] = [];
let server: Server;
let base = '';

beforeAll(async () => {
  server = createServer((request, response) => {
    requests.push(request);
    const route = routes.get(request.url ?? '');
    const answer = () => {
      if (!route) {
        response.writeHead(404).end('not here');
        return;
      }
      const etag = route.headers?.etag;
      if (etag && request.headers['if-none-match'] === etag) {
        response.writeHead(304).end();
        return;
      }
      response.writeHead(route.status ?? 200, route.headers ?? {}).end(route.body ?? '');
    };
    if (route?.delayMs) setTimeout(answer, route.delayMs);
    else answer();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

function rss(title: string, items: Array<[guid: string, title: string]>): string {
  const body = items.map(([guid, itemTitle]) => `<item><guid>${guid}</guid><title>${itemTitle}</title><link>https://example.org/${guid}</link></item>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>${title}</title><link>https://example.org</link><description>d</description>${body}</channel></rss>`;
}

const now = new Date('2026-12-01T08:00:00Z');

describeEachDatabase('feeds', (database) => {
  beforeEach(async () => {
    await database().reset();
    routes.clear();
    requests.length = 0;
  });

  const setup = () => createTestApp(database().db, { now: () => now });
  const itemCount = async () =>
    Number((await database().db.selectFrom('content_items').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);

  it('post feed fetches and stores entries', async () => {
    routes.set('/pubs.xml', { body: rss('Publications', [['p1', 'Governance review'], ['p2', 'Open data brief']]), headers: { 'content-type': 'application/rss+xml' } });
    const { request } = setup();
    const response = await request('POST', '/api/feeds', { json: { url: `${base}/pubs.xml`, kind: 'publication', topics: ['Research'] } });
    expect(response.status).toBe(201);
    const result = (await response.json()) as FeedFetchResult;
    expect(result.feed.name).toBe('Publications');
    expect(result.import?.counts.created).toBe(2);
    const row = await database().db.selectFrom('content_items').selectAll().orderBy('id').limit(1).executeTakeFirstOrThrow();
    expect(row.feed_id).toBe(result.feed.id);
    expect(row.topics).toEqual(['research']);
  });

  it('non-feed url answers 422 and stores nothing', async () => {
    routes.set('/page.html', { body: '<!doctype html><html><body>Welcome</body></html>', headers: { 'content-type': 'text/html' } });
    const { request } = setup();
    const response = await request('POST', '/api/feeds', { json: { url: `${base}/page.html`, kind: 'news' } });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('feed_unreadable');
    expect(body.error.message).toMatch(/is not a feed/);
    expect(await database().db.selectFrom('feeds').selectAll().execute()).toEqual([]);
  });

  it('ics url registered as news answers 422 and leaves no feed behind', async () => {
    const calendar = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//Example//Forums//EN',
      'BEGIN:VEVENT',
      'UID:forum-1@example.org',
      'DTSTAMP:20261101T000000Z',
      'DTSTART:20270310T010000Z',
      'DTEND:20270310T090000Z',
      'SUMMARY:Regional forum',
      'END:VEVENT',
      'END:VCALENDAR',
      '',
    ].join('\r\n');
    routes.set('/forums.ics', { body: calendar, headers: { 'content-type': 'text/calendar' } });
    const { request } = setup();
    const response = await request('POST', '/api/feeds', { json: { url: `${base}/forums.ics`, kind: 'news' } });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/cannot be imported as news/);
    expect(await database().db.selectFrom('feeds').selectAll().execute()).toEqual([]);
    expect(await itemCount()).toBe(0);

    const retried = await request('POST', '/api/feeds', { json: { url: `${base}/forums.ics`, kind: 'event' } });
    expect(retried.status).toBe(201);
  });

  it('unreachable url answers 422 and stores nothing', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/feeds', { json: { url: `${base}/missing.xml`, kind: 'news' } });
    expect(response.status).toBe(422);
    const body = (await response.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/HTTP 404/);
    expect(await itemCount()).toBe(0);
  });

  it('invalid feed url answers 422', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/feeds', { json: { url: 'ftp://example.org/feed', kind: 'news' } });
    expect(response.status).toBe(422);
  });

  it('refetch sends validators and handles 304', async () => {
    routes.set('/news.xml', {
      body: rss('News', [['n1', 'First']]),
      headers: { etag: '"v1"', 'last-modified': 'Tue, 01 Dec 2026 07:00:00 GMT' },
    });
    const { request } = setup();
    const created = (await (await request('POST', '/api/feeds', { json: { url: `${base}/news.xml`, kind: 'news' } })).json()) as FeedFetchResult;
    const response = await request('POST', `/api/feeds/${created.feed.id}/fetch`);
    expect(response.status).toBe(200);
    expect(((await response.json()) as FeedFetchResult).status).toBe('not_modified');
    const last = requests.at(-1)!;
    expect(last.headers['if-none-match']).toBe('"v1"');
    expect(last.headers['if-modified-since']).toBe('Tue, 01 Dec 2026 07:00:00 GMT');
    expect(await itemCount()).toBe(1);
  });

  it('changed feed updates the edited entry', async () => {
    routes.set('/news.xml', { body: rss('News', [['n1', 'First']]), headers: { etag: '"v1"' } });
    const { request } = setup();
    const created = (await (await request('POST', '/api/feeds', { json: { url: `${base}/news.xml`, kind: 'news' } })).json()) as FeedFetchResult;
    routes.set('/news.xml', { body: rss('News', [['n1', 'First, corrected'], ['n2', 'Second']]), headers: { etag: '"v2"' } });
    const result = (await (await request('POST', `/api/feeds/${created.feed.id}/fetch`)).json()) as FeedFetchResult;
    expect(result.import?.counts).toEqual({ created: 1, updated: 1, unchanged: 0, failed: 0 });
    expect(await itemCount()).toBe(2);
  });

  it('broken feed records an error and keeps items', async () => {
    routes.set('/news.xml', { body: rss('News', [['n1', 'First']]) });
    const { request } = setup();
    const created = (await (await request('POST', '/api/feeds', { json: { url: `${base}/news.xml`, kind: 'news', pollMinutes: 30 } })).json()) as FeedFetchResult;
    routes.set('/news.xml', { status: 500, body: 'oops' });
    const response = await request('POST', `/api/feeds/${created.feed.id}/fetch`);
    expect(response.status).toBe(422);
    const errors = (await (await request('GET', `/api/feeds/${created.feed.id}/errors`)).json()) as { items: Array<{ kind: string; httpStatus: number }> };
    expect(errors.items).toMatchObject([{ kind: 'http', httpStatus: 500 }]);
    const feed = (await (await request('GET', `/api/feeds/${created.feed.id}`)).json()) as Feed;
    expect(feed.errorCount).toBe(1);
    expect(feed.lastError).toMatch(/HTTP 500/);
    expect(feed.nextFetchAt).toBe('2026-12-01T08:30:00.000Z');
    expect(await itemCount()).toBe(1);
  });

  it('feed turned into a page records not_feed', async () => {
    routes.set('/news.xml', { body: rss('News', [['n1', 'First']]) });
    const { request, deps } = setup();
    const created = (await (await request('POST', '/api/feeds', { json: { url: `${base}/news.xml`, kind: 'news' } })).json()) as FeedFetchResult;
    routes.set('/news.xml', { body: '<html><body>moved</body></html>' });
    await expect(refreshFeed(deps, created.feed.id)).rejects.toMatchObject({ status: 422 });
    const row = await database().db.selectFrom('feed_errors').selectAll().executeTakeFirstOrThrow();
    expect(row.kind).toBe('not_feed');
  });

  it('poller fetches due feeds past a broken one', async () => {
    routes.set('/a.xml', { body: rss('A', [['a1', 'From A']]) });
    routes.set('/b.xml', { body: rss('B', [['b1', 'From B']]) });
    const { request, deps } = setup();
    await request('POST', '/api/feeds', { json: { url: `${base}/a.xml`, kind: 'news' } });
    await request('POST', '/api/feeds', { json: { url: `${base}/b.xml`, kind: 'news' } });
    routes.set('/a.xml', { status: 503 });
    routes.set('/b.xml', { body: rss('B', [['b1', 'From B'], ['b2', 'More from B']]) });
    const later = { ...deps, now: () => new Date('2026-12-01T10:00:00Z') };
    const claimed = await pollFeedsOnce(later);
    await deps.jobs.idle();
    expect(claimed).toHaveLength(2);
    expect(await itemCount()).toBe(3);
    const errors = await database().db.selectFrom('feed_errors').selectAll().execute();
    expect(errors).toHaveLength(1);
  });

  it('poller skips feeds not yet due', async () => {
    routes.set('/a.xml', { body: rss('A', [['a1', 'From A']]) });
    const { request, deps } = setup();
    await request('POST', '/api/feeds', { json: { url: `${base}/a.xml`, kind: 'news', pollMinutes: 60 } });
    const claimed = await pollFeedsOnce({ ...deps, now: () => new Date('2026-12-01T08:30:00Z') });
    expect(claimed).toEqual([]);
  });

  it('fetch stops at the time limit', async () => {
    routes.set('/slow.xml', { body: rss('Slow', []), delayMs: 500 });
    await expect(fetchFeedDocument(`${base}/slow.xml`, { timeoutMs: 100 })).rejects.toMatchObject({ kind: 'timeout' });
  });

  it('fetch stops at the size limit', async () => {
    routes.set('/big.xml', { body: 'x'.repeat(5000) });
    await expect(fetchFeedDocument(`${base}/big.xml`, { maxBytes: 1000 })).rejects.toMatchObject({ kind: 'too_large' });
  });

  it('fetch uses the injected fetch', async () => {
    const seen: string[] = [];
    const fake: typeof fetch = async (input) => {
      seen.push(String(input));
      return new Response(rss('Injected', []), { status: 200 });
    };
    const result = await fetchFeedDocument('https://feeds.example.org/x.xml', { fetch: fake });
    expect(result.status).toBe('ok');
    expect(seen).toEqual(['https://feeds.example.org/x.xml']);
  });

  it('http charset decodes a latin-1 feed', async () => {
    const text = '<rss version="2.0"><channel><title>Actualités</title><item><guid>x</guid><title>Séminaire régional</title></item></channel></rss>';
    routes.set('/latin.xml', { body: Buffer.from(text, 'latin1'), headers: { 'content-type': 'application/rss+xml; charset=ISO-8859-1' } });
    const { request } = setup();
    const result = (await (await request('POST', '/api/feeds', { json: { url: `${base}/latin.xml`, kind: 'news' } })).json()) as FeedFetchResult;
    expect(result.feed.name).toBe('Actualités');
    const row = await database().db.selectFrom('content_items').select('title').executeTakeFirstOrThrow();
    expect(row.title).toBe('Séminaire régional');
  });

  it('duplicate feed url answers 409', async () => {
    routes.set('/a.xml', { body: rss('A', []) });
    const { request } = setup();
    await request('POST', '/api/feeds', { json: { url: `${base}/a.xml`, kind: 'news' } });
    const response = await request('POST', '/api/feeds', { json: { url: `${base}/a.xml`, kind: 'news' } });
    expect(response.status).toBe(409);
  });
});
