/**
 * `/api/campaigns`: compose drafts, list and read them with their counts, edit drafts and
 * preview their bodies. Handlers validate, call `campaigns.ts`, answer.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery } from '../http/validate.ts';
import { campaignPreview, createCampaign, getCampaign, listCampaigns, updateCampaign } from './campaigns.ts';
import { createCampaignSchema, updateCampaignSchema } from './schemas.ts';

const listQuery = z.object({
  ...pageQuery,
  status: z.enum(['draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled']).optional(),
  series: z.string().min(1).max(200).optional(),
});
const previewQuery = z.object({ format: z.enum(['html', 'text']).default('html') });

export function campaignRoutes(): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();

  routes.get('/', async (c) => {
    const query = readQuery(c, listQuery);
    const { db, config } = c.var.deps;
    return c.json(await listCampaigns(db, config, query));
  });

  routes.post('/', async (c) => {
    const input = await readJson(c, createCampaignSchema);
    const campaign = await createCampaign(c.var.deps, input);
    c.get('log').info({ campaignId: campaign.id, items: campaign.items.length }, 'campaign composed');
    return c.json(campaign, 201);
  });

  routes.get('/:id', async (c) => {
    const { db, config } = c.var.deps;
    return c.json(await getCampaign(db, config, c.req.param('id')));
  });

  routes.patch('/:id', async (c) => {
    const changes = await readJson(c, updateCampaignSchema);
    return c.json(await updateCampaign(c.var.deps, c.req.param('id'), changes));
  });

  routes.get('/:id/preview', async (c) => {
    const { format } = readQuery(c, previewQuery);
    const { db, config } = c.var.deps;
    const body = await campaignPreview(db, config, c.req.param('id'), format);
    return format === 'html' ? c.html(body) : c.text(body);
  });

  return routes;
}

export const campaignRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/campaigns', summary: 'List campaigns, newest first', tag: 'campaigns', access: 'staff', query: listQuery },
  {
    method: 'post',
    path: '/api/campaigns',
    summary: 'Compose a draft from new content and upcoming events',
    tag: 'campaigns',
    access: 'editor',
    body: createCampaignSchema,
    responses: { 201: 'The draft, with its items and warnings', 422: 'Invalid input or unknown list slug' },
  },
  { method: 'get', path: '/api/campaigns/{id}', summary: 'Read a campaign with its counts', tag: 'campaigns', access: 'staff' },
  {
    method: 'patch',
    path: '/api/campaigns/{id}',
    summary: 'Change a draft (409 once it is not a draft)',
    tag: 'campaigns',
    access: 'editor',
    body: updateCampaignSchema,
  },
  {
    method: 'get',
    path: '/api/campaigns/{id}/preview',
    summary: 'The rendered body as text/html or text/plain',
    tag: 'campaigns',
    access: 'staff',
    query: previewQuery,
  },
];
