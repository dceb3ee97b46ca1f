/**
 * `/api/lists` and `/api/topics`.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson } from '../http/validate.ts';
import { createList, createTopic, deleteList, getList, listLists, listTopics, updateList } from './lists.ts';

const slug = z
  .string()
  .trim()
  .min(1, 'expected a slug')
  .max(64, 'expected at most 64 characters')
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, 'expected lower-case letters, digits and hyphens, such as "monthly-news"');

export const listInput = z.object({
  name: z.string().trim().min(1, 'expected a name').max(200),
  slug,
  description: z.string().max(2000).optional(),
  optIn: z.enum(['single', 'double']).default('single'),
  visibility: z.enum(['public', 'private']).default('public'),
});

const listPatch = listInput.partial().omit({ optIn: true, visibility: true }).extend({
  optIn: z.enum(['single', 'double']).optional(),
  visibility: z.enum(['public', 'private']).optional(),
});

const topicInput = z.object({ name: z.string().trim().min(1, 'expected a name').max(200), slug });

const listOutput = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  optIn: z.enum(['single', 'double']),
  visibility: z.enum(['public', 'private']),
  subscriberCount: z.number(),
  createdAt: z.string(),
});
const topicOutput = z.object({ id: z.string(), slug: z.string(), name: z.string() });
const collection = (item: z.ZodType) =>
  z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });

export function listRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/lists', async (c) => {
    const items = await listLists(c.var.deps.db);
    return c.json({ items, total: items.length, page: 1, pageSize: items.length });
  });
  app.post('/lists', async (c) => {
    const input = await readJson(c, listInput);
    return c.json(await createList(c.var.deps.db, input), 201);
  });
  app.get('/lists/:id', async (c) => c.json(await getList(c.var.deps.db, c.req.param('id'))));
  app.patch('/lists/:id', async (c) => {
    const input = await readJson(c, listPatch);
    return c.json(await updateList(c.var.deps.db, c.req.param('id'), input));
  });
  app.delete('/lists/:id', async (c) => {
    await deleteList(c.var.deps.db, c.req.param('id'));
    return c.body(null, 204);
  });

  app.get('/topics', async (c) => {
    const items = await listTopics(c.var.deps.db);
    return c.json({ items, total: items.length, page: 1, pageSize: items.length });
  });
  app.post('/topics', async (c) => {
    const input = await readJson(c, topicInput);
    return c.json(await createTopic(c.var.deps.db, input), 201);
  });
  return app;
}

export const listRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/lists', summary: 'All lists', tag: 'lists', access: 'staff', responses: { 200: collection(listOutput) } },
  { method: 'post', path: '/api/lists', summary: 'Create a list', tag: 'lists', access: 'editor', body: listInput, responses: { 201: listOutput, 409: 'slug taken', 422: 'invalid input' } },
  { method: 'get', path: '/api/lists/{id}', summary: 'One list', tag: 'lists', access: 'staff', responses: { 200: listOutput, 404: 'unknown id' } },
  { method: 'patch', path: '/api/lists/{id}', summary: 'Change a list', tag: 'lists', access: 'editor', body: listPatch, responses: { 200: listOutput, 404: 'unknown id', 409: 'slug taken' } },
  { method: 'delete', path: '/api/lists/{id}', summary: 'Delete a list and its subscriptions', tag: 'lists', access: 'editor', responses: { 204: 'deleted', 404: 'unknown id' } },
  { method: 'get', path: '/api/topics', summary: 'All topics', tag: 'topics', access: 'staff', responses: { 200: collection(topicOutput) } },
  { method: 'post', path: '/api/topics', summary: 'Create a topic', tag: 'topics', access: 'editor', body: topicInput, responses: { 201: topicOutput, 409: 'slug taken' } },
];
