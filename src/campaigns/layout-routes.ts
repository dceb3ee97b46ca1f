/**
 * `/api/layouts`: staff MJML layouts, validated and compiled when saved.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery } from '../http/validate.ts';
import { createLayout, deleteLayout, getLayout, listLayouts, updateLayout } from './layouts.ts';

/** MJML sources above this size are rejected; a newsletter frame is a few kilobytes. */
const maxMjmlLength = 200_000;

const layoutSchema = z.object({
  name: z.string().trim().min(1, 'expected a name').max(200),
  mjml: z.string().min(1, 'expected the MJML source').max(maxMjmlLength, `expected at most ${maxMjmlLength} characters`),
});
const layoutChangesSchema = layoutSchema.partial().refine((value) => Object.keys(value).length > 0, {
  message: 'expected name or mjml',
});
const listQuery = z.object(pageQuery);

export function layoutRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/', async (c) => {
    const { page, pageSize } = readQuery(c, listQuery);
    return c.json(await listLayouts(c.var.deps.db, page, pageSize));
  });

  routes.post('/', async (c) => {
    const input = await readJson(c, layoutSchema);
    return c.json(await createLayout(c.var.deps.db, input), 201);
  });

  routes.get('/:id', async (c) => c.json(await getLayout(c.var.deps.db, c.req.param('id'))));

  routes.patch('/:id', async (c) => {
    const changes = await readJson(c, layoutChangesSchema);
    return c.json(await updateLayout(c.var.deps.db, c.req.param('id'), changes, c.var.deps.now()));
  });

  routes.delete('/:id', async (c) => {
    await deleteLayout(c.var.deps.db, c.req.param('id'));
    return c.body(null, 204);
  });

  return routes;
}

export const layoutRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/layouts', summary: 'List MJML layouts', tag: 'layouts', access: 'staff', query: listQuery },
  {
    method: 'post',
    path: '/api/layouts',
    summary: 'Save an MJML layout (validated and compiled; 422 lists errors with line numbers)',
    tag: 'layouts',
    access: 'editor',
    body: layoutSchema,
  },
  { method: 'get', path: '/api/layouts/{id}', summary: 'Read a layout', tag: 'layouts', access: 'staff' },
  { method: 'patch', path: '/api/layouts/{id}', summary: 'Change a layout', tag: 'layouts', access: 'editor', body: layoutChangesSchema },
  { method: 'delete', path: '/api/layouts/{id}', summary: 'Delete a layout no unfinished campaign uses', tag: 'layouts', access: 'editor' },
];
