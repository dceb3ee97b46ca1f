/**
 * Public archive pages: `/archive`, `/archive/:slug` and `/archive.xml`. No auth.
 */
import { Hono } from 'hono';
import type { AppEnv } from '../http/context.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { archiveAtom, archivedIssueHtml, archiveEntries, archiveIndexHtml } from './archive.ts';

export function archiveRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/archive.xml', async (c) => {
    const { db, config } = c.var.deps;
    const xml = archiveAtom(config, await archiveEntries(db, config));
    return c.body(xml, 200, { 'content-type': 'application/atom+xml; charset=utf-8' });
  });

  routes.get('/archive', async (c) => {
    const { db, config } = c.var.deps;
    return c.html(archiveIndexHtml(config, await archiveEntries(db, config)));
  });

  routes.get('/archive/:slug', async (c) => {
    const { db, config } = c.var.deps;
    return c.html(await archivedIssueHtml(db, config, c.req.param('slug')));
  });

  return routes;
}

export const archiveRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/archive', summary: 'Index of sent issues', tag: 'archive', access: 'public' },
  { method: 'get', path: '/archive/{slug}', summary: 'Web version of a sent issue', tag: 'archive', access: 'public' },
  { method: 'get', path: '/archive.xml', summary: 'Atom feed of sent issues', tag: 'archive', access: 'public' },
];
