/**
 * `gazette ingest` as a user runs it: a separate CLI process, first while `gazette serve` owns
 * the embedded data directory (so the CLI goes through the server's API), then with the
 * directory free (so the CLI opens the database itself).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import iconv from 'iconv-lite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServer, type RunningServer } from '../../workers/serve.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const demoEvents = path.join(root, 'demo', 'events.ics');
const demoPublications = path.join(root, 'demo', 'publications.json');

const dataDir = mkdtempSync(path.join(tmpdir(), 'gazette-ingest-'));
const environment = {
  DATA_DIR: dataDir,
  PORT: String(20000 + Math.floor(Math.random() * 20000)),
  SES_LOCAL_PORT: String(40000 + Math.floor(Math.random() * 20000)),
  LOG_LEVEL: 'silent',
  NODE_ENV: 'test',
};

interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `gazette <args>` in a child process, as `npx gazette` would. */
function gazette(...args: string[]): Promise<CliRun> {
  const { DATABASE_URL: _ignored, ...parent } = process.env;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(root, 'src', 'cli', 'gazette.js'), ...args],
      { cwd: root, env: { ...parent, ...environment }, timeout: 120_000 },
      (error, stdout, stderr) => {
        let code = 0;
        if (error) code = typeof error.code === 'number' ? error.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/** Feeds on 127.0.0.1: a Latin-1 feed labelled in its Content-Type, a JSON Feed and a web page. */
const latinFeed = iconv.encode(
  `<?xml version="1.0"?><rss version="2.0"><channel><title>Notícias</title><link>https://example.org/</link>` +
    `<description>d</description><item><guid>pt-1</guid><title>Administração pública e inovação</title>` +
    `<link>https://example.org/pt-1</link></item></channel></rss>`,
  'latin1',
);
let feedServer: Server;
let feedBase = '';
let server: RunningServer | undefined;

beforeAll(async () => {
  feedServer = createServer((request, response) => {
    if (request.url === '/latin.rss') {
      response.writeHead(200, { 'content-type': 'application/rss+xml; charset=ISO-8859-1' }).end(latinFeed);
    } else if (request.url === '/publications.json') {
      response.writeHead(200, { 'content-type': 'application/feed+json' }).end(readFileSync(demoPublications));
    } else if (request.url === '/page.html') {
      response.writeHead(200, { 'content-type': 'text/html' }).end('<!doctype html><html><body><p>Welcome</p></body></html>');
    } else {
      response.writeHead(404).end('not here');
    }
  });
  await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
  feedBase = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}`;
  server = await startServer(environment);
}, 120_000);

afterAll(async () => {
  await server?.stop();
  feedServer.closeAllConnections();
  await new Promise((resolve) => feedServer.close(resolve));
  rmSync(dataDir, { recursive: true, force: true });
});

async function countItems(kind?: 'event' | 'publication' | 'news'): Promise<number> {
  let query = server!.runtime.deps.db.selectFrom('content_items');
  if (kind) query = query.where('kind', '=', kind);
  const row = await query.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

describe('gazette ingest', () => {
  it('demo calendar goes through the running server', async () => {
    const run = await gazette('ingest', demoEvents, '--kind', 'event');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('6 created, 0 updated, 0 unchanged, 0 invalid');
    expect(await countItems('event')).toBe(6);

    const forum = await server!.runtime.deps.db
      .selectFrom('content_items')
      .selectAll()
      .where('guid', '=', 'global-forum-innovation-2027@events.example.org')
      .executeTakeFirstOrThrow();
    expect(forum.source).toBe('import');
    expect(forum.timezone).toBe('Asia/Seoul');
    expect(new Date(forum.starts_at!).toISOString()).toBe('2027-06-22T00:00:00.000Z');
    expect(forum.city).toBe('Seoul');
    expect(forum.registration_url).toBe('https://events.example.org/2027/global-forum/register');
    expect(new Date(forum.registration_deadline!).toISOString()).toBe('2027-05-31T14:59:00.000Z');
    expect(forum.online).toBe(false);
  }, 120_000);

  it('online demo events have no venue', async () => {
    const webinar = await server!.runtime.deps.db
      .selectFrom('content_items')
      .selectAll()
      .where('guid', '=', 'ps-ai-webinar-2027@events.example.org')
      .executeTakeFirstOrThrow();
    expect(webinar.online).toBe(true);
    expect(webinar.venue).toBeNull();
    expect(webinar.topics).toEqual(['digital-government', 'artificial-intelligence', 'evaluation']);
  });

  it('feed url goes through the running server', async () => {
    const run = await gazette('ingest', `${feedBase}/publications.json`, '--kind', 'publication');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('JSON Feed');
    expect(run.stdout).toContain('5 created');
    expect(await countItems('publication')).toBe(5);

    const again = await gazette('ingest', `${feedBase}/publications.json`, '--kind', 'publication');
    expect(again.stdout).toContain('0 created, 0 updated, 5 unchanged');
  }, 120_000);

  it('declared latin-1 charset is honoured', async () => {
    const run = await gazette('ingest', `${feedBase}/latin.rss`, '--kind', 'news');
    expect(run.code).toBe(0);
    const item = await server!.runtime.deps.db
      .selectFrom('content_items')
      .select('title')
      .where('guid', '=', 'pt-1')
      .executeTakeFirstOrThrow();
    expect(item.title).toBe('Administração pública e inovação');
  }, 120_000);

  it('web page url stores nothing', async () => {
    const before = await countItems();
    const run = await gazette('ingest', `${feedBase}/page.html`, '--kind', 'news');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/could not be read: not an RSS, Atom or JSON feed/);
    expect(await countItems()).toBe(before);
  }, 120_000);

  it('unreachable url stores nothing', async () => {
    const before = await countItems();
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));

    const run = await gazette('ingest', `http://127.0.0.1:${port}/feed.xml`, '--kind', 'news');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('could not be reached');
    expect(run.stderr).toContain('Nothing was stored.');
    expect(await countItems()).toBe(before);
  }, 120_000);

  it('missing http status stores nothing', async () => {
    const before = await countItems();
    const run = await gazette('ingest', `${feedBase}/gone.xml`, '--kind', 'news');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('HTTP 404');
    expect(await countItems()).toBe(before);
  }, 120_000);

  it('invalid kind is rejected before reading', async () => {
    const run = await gazette('ingest', demoEvents, '--kind', 'webinar');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('Invalid --kind "webinar"');
  }, 120_000);

  it('missing file is reported', async () => {
    const run = await gazette('ingest', path.join(root, 'demo', 'no-such-file.rss'), '--kind', 'news');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('File not found');
  }, 120_000);

  it('opens the database itself when no server runs', async () => {
    await server!.stop();
    server = undefined;

    const run = await gazette('ingest', demoPublications, '--kind', 'publication');
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('0 created, 0 updated, 5 unchanged');

    const feedWithoutKind = await gazette('ingest', demoPublications);
    expect(feedWithoutKind.code).toBe(1);
    expect(feedWithoutKind.stderr).toContain('event, publication or news');

    server = await startServer(environment);
    expect(await countItems('publication')).toBe(5);
  }, 240_000);
});
