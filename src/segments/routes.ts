/**
 * Staff API for segments: saved rules, their counts and previews, and live counts of ad-hoc
 * audiences for the console's rule builder and the compose page.
 *
 * Counts and previews are of the sendable audience (`audienceQuery`): suppressed, inactive and
 * unconfirmed subscribers are left out, so the number is the one a send would reach.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery } from '../http/validate.ts';
import { countAudience } from './audience.ts';
import { ruleDocSchema, ruleSchema } from './rule.ts';
import {
  countSegment,
  createSegment,
  deleteSegment,
  getSegment,
  listSegments,
  previewSegment,
  unknownSlugs,
  updateSegment,
} from './segments.ts';
import { ValidationError } from '../errors.ts';

const name = z.string().trim().min(1, 'expected a name').max(200, 'expected a name of at most 200 characters');
const description = z.string().max(2000, 'expected at most 2000 characters');

const createBody = z.object({ name, description: description.optional(), rule: ruleSchema });
const updateBody = z
  .object({ name: name.optional(), description: description.optional(), rule: ruleSchema.optional() })
  .refine((body) => Object.keys(body).length > 0, 'expected at least one of name, description, rule');
const audienceBody = z.object({
  lists: z.array(z.string().min(1).max(200)).max(200).optional(),
  segment: z.union([z.string().regex(/^[0-9]{1,18}$/, 'expected a segment id'), z.number().int().positive()]).optional(),
  rule: ruleSchema.optional(),
});
const listQuery = z.object(pageQuery);
const previewQuery = z.object({ ...pageQuery, pageSize: pageQuery.pageSize.default(20) });

const segmentDoc = z.object({
  id: z.string(),
  name: z.string(),
  description: z.string(),
  rule: ruleDocSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
const countDoc = z.object({ count: z.number().int() });

export function segmentRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const query = readQuery(c, listQuery);
    return c.json(await listSegments(c.var.deps.db, query.page, query.pageSize));
  });

  app.post('/', async (c) => {
    const body = await readJson(c, createBody);
    return c.json(await createSegment(c.var.deps.db, body, c.var.staff?.name), 201);
  });

  // Declared before `/:id` routes so "count" is never taken for an id.
  app.post('/count', async (c) => {
    const body = await readJson(c, audienceBody);
    const audience = { ...body, segment: body.segment === undefined ? undefined : String(body.segment) };
    if (body.rule !== undefined) {
      const issues = await unknownSlugs(c.var.deps.db, body.rule);
      if (issues.length > 0) throw new ValidationError(`The request is invalid: ${issues[0]!.path}: ${issues[0]!.message}`, issues);
    }
    return c.json({ count: await countAudience(c.var.deps.db, audience, { now: c.var.deps.now() }) });
  });

  app.get('/:id', async (c) => c.json(await getSegment(c.var.deps.db, c.req.param('id'))));

  app.patch('/:id', async (c) => {
    const body = await readJson(c, updateBody);
    return c.json(await updateSegment(c.var.deps.db, c.req.param('id'), body, c.var.staff?.name));
  });

  app.delete('/:id', async (c) => {
    await deleteSegment(c.var.deps.db, c.req.param('id'), c.var.staff?.name);
    return c.body(null, 204);
  });

  app.get('/:id/count', async (c) =>
    c.json({ count: await countSegment(c.var.deps.db, c.req.param('id'), { now: c.var.deps.now() }) }),
  );

  app.get('/:id/preview', async (c) => {
    const query = readQuery(c, previewQuery);
    return c.json(
      await previewSegment(c.var.deps.db, c.req.param('id'), query.page, query.pageSize, { now: c.var.deps.now() }),
    );
  });

  return app;
}

const tag = 'segments';

export const segmentRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/segments', summary: 'List saved segments', tag, access: 'staff', query: listQuery },
  {
    method: 'post',
    path: '/api/segments',
    summary: 'Save a segment (name and rule)',
    tag,
    access: 'editor',
    body: z.object({ name, description: description.optional(), rule: ruleDocSchema }),
    responses: { 201: segmentDoc, 409: 'a segment with this name exists', 422: 'invalid rule, with the path of each issue' },
  },
  {
    method: 'post',
    path: '/api/segments/count',
    summary: 'Count the sendable audience of lists, a segment and/or a rule',
    tag,
    access: 'editor',
    body: z.object({ lists: z.array(z.string()).optional(), segment: z.string().optional(), rule: ruleDocSchema.optional() }),
    responses: { 200: countDoc, 422: 'invalid audience, with the path of each issue' },
  },
  { method: 'get', path: '/api/segments/{id}', summary: 'Read a segment', tag, access: 'staff', responses: { 200: segmentDoc } },
  {
    method: 'patch',
    path: '/api/segments/{id}',
    summary: 'Change a segment',
    tag,
    access: 'editor',
    body: z.object({ name: name.optional(), description: description.optional(), rule: ruleDocSchema.optional() }),
    responses: { 200: segmentDoc },
  },
  {
    method: 'delete',
    path: '/api/segments/{id}',
    summary: 'Delete a segment no unfinished campaign targets',
    tag,
    access: 'editor',
    responses: { 204: 'deleted', 409: 'a campaign still targets it' },
  },
  {
    method: 'get',
    path: '/api/segments/{id}/count',
    summary: 'Count the sendable subscribers a segment matches',
    tag,
    access: 'staff',
    responses: { 200: countDoc },
  },
  {
    method: 'get',
    path: '/api/segments/{id}/preview',
    summary: 'First sendable subscribers a segment matches, with their addresses',
    tag,
    access: 'staff',
    query: previewQuery,
  },
];
