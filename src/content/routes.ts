/**
 * `/api/content` (items and file imports), `/api/feeds` (polled sources) and the public
 * `GET /events/:id.ics`. Handlers validate, call the services in this folder, and answer.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { BadRequestError, ValidationError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery } from '../http/validate.ts';
import { eventCalendar } from './calendar.ts';
import { contentKinds } from './entry.ts';
import {
  createFeed,
  deleteFeed,
  feedCreateSchema,
  feedPatchSchema,
  getFeed,
  listFeedErrors,
  listFeeds,
  refreshFeed,
  updateFeed,
} from './feeds.ts';
import { ingestDocument } from './ingest.ts';
import {
  contentCreateSchema,
  contentPatchSchema,
  createContent,
  deleteContent,
  getContent,
  getContentRow,
  listContent,
  updateContent,
} from './items.ts';

const contentListQuery = z.object({
  kind: z.enum(contentKinds).optional(),
  q: z.string().max(200).optional(),
  topic: z.string().max(80).optional(),
  feed: z.string().regex(/^\d+$/, 'expected a feed id').optional(),
  ...pageQuery,
});
const importForm = z.object({
  kind: z.enum(contentKinds).optional(),
});

/** Staff routes under `/api/content`. */
export function contentRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/', async (c) => {
    const query = readQuery(c, contentListQuery);
    const { deps } = c.var;
    return c.json(await listContent(deps.db, { ...query, feedId: query.feed }, deps.config.publicUrl));
  });

  routes.post('/', async (c) => {
    const body = await readJson(c, contentCreateSchema);
    const { deps } = c.var;
    const item = await createContent(deps.db, body, { now: deps.now(), publicUrl: deps.config.publicUrl });
    return c.json(item, 201);
  });

  routes.post('/import', async (c) => {
    const { deps } = c.var;
    const form = await readMultipart(c.req.raw);
    const file = form.get('file');
    if (!(file instanceof File)) {
      throw new ValidationError('The request is invalid: file: expected a feed, CSV or .ics file in the "file" field.', [
        { path: 'file', message: 'expected a file' },
      ]);
    }
    const { kind } = importFormFields(form);
    const result = await ingestDocument(deps.db, new Uint8Array(await file.arrayBuffer()), {
      kind,
      filename: file.name,
      contentType: file.type || null,
      source: 'import',
      now: deps.now(),
    });
    c.var.log.info({ format: result.format, counts: result.counts }, 'content imported');
    return c.json(result);
  });

  routes.get('/:id', async (c) => {
    const { deps } = c.var;
    return c.json(await getContent(deps.db, c.req.param('id'), deps.config.publicUrl));
  });

  routes.patch('/:id', async (c) => {
    const body = await readJson(c, contentPatchSchema);
    const { deps } = c.var;
    return c.json(await updateContent(deps.db, c.req.param('id'), body, { now: deps.now(), publicUrl: deps.config.publicUrl }));
  });

  routes.delete('/:id', async (c) => {
    await deleteContent(c.var.deps.db, c.req.param('id'));
    return c.body(null, 204);
  });

  return routes;
}

/** Staff routes under `/api/feeds`. */
export function feedRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/', async (c) => {
    const { page, pageSize } = readQuery(c, z.object(pageQuery));
    return c.json(await listFeeds(c.var.deps.db, page, pageSize));
  });

  routes.post('/', async (c) => {
    const body = await readJson(c, feedCreateSchema);
    const result = await createFeed(c.var.deps, body);
    return c.json(result, 201);
  });

  routes.get('/:id', async (c) => c.json(await getFeed(c.var.deps.db, c.req.param('id'))));

  routes.patch('/:id', async (c) => {
    const body = await readJson(c, feedPatchSchema);
    return c.json(await updateFeed(c.var.deps.db, c.req.param('id'), body));
  });

  routes.delete('/:id', async (c) => {
    await deleteFeed(c.var.deps.db, c.req.param('id'));
    return c.body(null, 204);
  });

  routes.post('/:id/fetch', async (c) => c.json(await refreshFeed(c.var.deps, c.req.param('id'))));

  routes.get('/:id/errors', async (c) => {
    const { page, pageSize } = readQuery(c, z.object(pageQuery));
    return c.json(await listFeedErrors(c.var.deps.db, c.req.param('id'), page, pageSize));
  });

  return routes;
}

/** Public routes under `/events`: the "add to calendar" file of an event. */
export function calendarRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  routes.get('/:file{[0-9]+\\.ics}', async (c) => {
    const { deps } = c.var;
    const id = c.req.param('file').replace(/\.ics$/, '');
    const row = await getContentRow(deps.db, id);
    const body = eventCalendar(row, { publicUrl: deps.config.publicUrl, orgName: deps.config.mail.orgName, now: deps.now() });
    return c.body(body, 200, {
      'content-type': 'text/calendar; charset=utf-8',
      'content-disposition': `attachment; filename="event-${row.id}.ics"`,
      'cache-control': 'public, max-age=300',
    });
  });
  return routes;
}

async function readMultipart(request: Request): Promise<FormData> {
  const type = request.headers.get('content-type') ?? '';
  if (!type.toLowerCase().startsWith('multipart/form-data')) {
    throw new BadRequestError('Send the file as multipart/form-data with a "file" field (and "kind").');
  }
  try {
    return await request.formData();
  } catch (error) {
    throw new BadRequestError(`The multipart body could not be read: ${(error as Error).message}`);
  }
}

function importFormFields(form: FormData): z.output<typeof importForm> {
  const kind = form.get('kind');
  const parsed = importForm.safeParse({ kind: typeof kind === 'string' && kind !== '' ? kind : undefined });
  if (!parsed.success) {
    throw new ValidationError('The request is invalid: kind: expected event, publication or news.', [
      { path: 'kind', message: 'expected event, publication or news' },
    ]);
  }
  return parsed.data;
}

const importResponse = z.object({
  format: z.enum(['rss', 'atom', 'rdf', 'json', 'ics', 'csv']),
  encoding: z.string(),
  counts: z.object({ created: z.number(), updated: z.number(), unchanged: z.number(), failed: z.number() }),
});

export const contentRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/content', summary: 'List content items', tag: 'content', access: 'staff', query: contentListQuery },
  { method: 'post', path: '/api/content', summary: 'Create a content item', tag: 'content', access: 'editor', body: contentCreateSchema, responses: { 201: 'the item', 409: 'guid or URL already used', 422: 'invalid fields' } },
  { method: 'post', path: '/api/content/import', summary: 'Import a feed, CSV or .ics file (multipart: file, kind)', tag: 'content', access: 'editor', bodyType: 'multipart/form-data', body: importForm.extend({ file: z.string().describe('the file') }), responses: { 200: importResponse, 422: 'unreadable file' } },
  { method: 'get', path: '/api/content/{id}', summary: 'Read a content item', tag: 'content', access: 'staff' },
  { method: 'patch', path: '/api/content/{id}', summary: 'Change a content item', tag: 'content', access: 'editor', body: contentPatchSchema },
  { method: 'delete', path: '/api/content/{id}', summary: 'Delete a content item', tag: 'content', access: 'editor', responses: { 204: 'deleted' } },
  { method: 'get', path: '/api/feeds', summary: 'List feeds', tag: 'feeds', access: 'staff', query: z.object(pageQuery) },
  { method: 'post', path: '/api/feeds', summary: 'Add a feed (fetched once to check it)', tag: 'feeds', access: 'editor', body: feedCreateSchema, responses: { 201: 'the feed and its first import', 422: 'not a feed, or unreachable' } },
  { method: 'get', path: '/api/feeds/{id}', summary: 'Read a feed', tag: 'feeds', access: 'staff' },
  { method: 'patch', path: '/api/feeds/{id}', summary: 'Change a feed', tag: 'feeds', access: 'editor', body: feedPatchSchema },
  { method: 'delete', path: '/api/feeds/{id}', summary: 'Remove a feed (its items stay)', tag: 'feeds', access: 'editor' },
  { method: 'post', path: '/api/feeds/{id}/fetch', summary: 'Fetch a feed now', tag: 'feeds', access: 'editor', responses: { 200: 'fetched or not modified', 422: 'unreadable; recorded in the error history' } },
  { method: 'get', path: '/api/feeds/{id}/errors', summary: "A feed's failed fetches, newest first", tag: 'feeds', access: 'staff', query: z.object(pageQuery) },
  { method: 'get', path: '/events/{id}.ics', summary: 'An event as an iCalendar file ("add to calendar")', tag: 'content', access: 'public', responses: { 200: 'text/calendar' } },
];
