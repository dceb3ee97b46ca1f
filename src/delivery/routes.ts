/**
 * Staff API for sending: start, schedule, pause, resume, cancel, resend, test send, counts and
 * the per-recipient list. Mounted under `/api/campaigns` beside the campaign routes.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery, validate } from '../http/validate.ts';
import {
  cancelCampaign,
  decideUncertain,
  pauseCampaign,
  resendRows,
  resumeCampaign,
  scheduleCampaign,
  testSend,
} from './controls.ts';
import { listRecipients, sendCounts, startSend } from './ledger.ts';
import type { RenderedLoader } from './rendered-source.ts';

const idParam = z.string().regex(/^\d+$/, 'expected a campaign id');

const scheduleBody = z.object({ sendAt: z.iso.datetime({ offset: true, message: 'expected an ISO 8601 time with a zone' }) });
const resendBody = z.object({
  states: z.array(z.enum(['failed', 'uncertain'])).min(1, 'expected failed, uncertain or both'),
});
const uncertainBody = z.object({
  decision: z.enum(['resend', 'leave'], { message: 'expected "resend" or "leave"' }),
  ids: z.array(z.string().regex(/^\d+$/, 'expected a ledger row id')).max(10_000).optional(),
});
const testBody = z.object({
  emails: z.array(z.email('expected an email address')).min(1, 'expected at least one address').max(20, 'expected at most 20 addresses'),
});
const recipientsQuery = z.object({
  status: z.enum(['queued', 'sending', 'sent', 'failed', 'skipped', 'uncertain']).optional(),
  q: z.string().max(200).optional(),
  ...pageQuery,
});

export interface DeliveryRouteOptions {
  /** How the campaign's rendered body is loaded; defaults to its stored html and text. */
  loadRendered?: RenderedLoader;
}

export function deliveryRoutes(options: DeliveryRouteOptions = {}): Hono<AppEnv> {
  const routes = new Hono<AppEnv>();
  const actor = (c: { get(key: 'staff'): AppEnv['Variables']['staff'] }) => c.get('staff')?.name ?? 'staff';
  const campaignId = (value: string) => validate(idParam, value, 'The campaign id');

  routes.post('/:id/send', async (c) => {
    const id = campaignId(c.req.param('id'));
    const result = await startSend(c.var.deps, id, { actor: actor(c), loadRendered: options.loadRendered });
    return c.json(result, 202);
  });

  routes.post('/:id/schedule', async (c) => {
    const id = campaignId(c.req.param('id'));
    const body = await readJson(c, scheduleBody);
    return c.json(await scheduleCampaign(c.var.deps, id, new Date(body.sendAt), actor(c)));
  });

  routes.post('/:id/pause', async (c) => c.json(await pauseCampaign(c.var.deps, campaignId(c.req.param('id')), actor(c))));
  routes.post('/:id/resume', async (c) => c.json(await resumeCampaign(c.var.deps, campaignId(c.req.param('id')), actor(c))));
  routes.post('/:id/cancel', async (c) => c.json(await cancelCampaign(c.var.deps, campaignId(c.req.param('id')), actor(c))));

  routes.post('/:id/resend', async (c) => {
    const id = campaignId(c.req.param('id'));
    const body = await readJson(c, resendBody);
    return c.json(await resendRows(c.var.deps, id, [...new Set(body.states)], actor(c)));
  });

  routes.post('/:id/uncertain', async (c) => {
    const id = campaignId(c.req.param('id'));
    const body = await readJson(c, uncertainBody);
    return c.json(await decideUncertain(c.var.deps, id, body.decision, actor(c), body.ids));
  });

  routes.post('/:id/test', async (c) => {
    const id = campaignId(c.req.param('id'));
    const body = await readJson(c, testBody);
    return c.json(await testSend(c.var.deps, id, body.emails, { actor: actor(c), loadRendered: options.loadRendered }));
  });

  routes.get('/:id/counts', async (c) => c.json(await sendCounts(c.var.deps.db, campaignId(c.req.param('id')))));

  routes.get('/:id/recipients', async (c) => {
    const id = campaignId(c.req.param('id'));
    const query = readQuery(c, recipientsQuery);
    return c.json(await listRecipients(c.var.deps.db, id, query));
  });

  return routes;
}

const tag = 'Sending';
export const deliveryRouteDocs: RouteDoc[] = [
  { method: 'post', path: '/api/campaigns/{id}/send', summary: 'Start sending now (idempotent)', tag, access: 'editor' },
  { method: 'post', path: '/api/campaigns/{id}/schedule', summary: 'Schedule the send', tag, access: 'editor', body: scheduleBody },
  { method: 'post', path: '/api/campaigns/{id}/pause', summary: 'Pause a sending campaign', tag, access: 'editor' },
  { method: 'post', path: '/api/campaigns/{id}/resume', summary: 'Resume a paused campaign', tag, access: 'editor' },
  { method: 'post', path: '/api/campaigns/{id}/cancel', summary: 'Cancel a campaign not yet sent', tag, access: 'editor' },
  {
    method: 'post',
    path: '/api/campaigns/{id}/resend',
    summary: 'Queue failed or uncertain recipients again',
    tag,
    access: 'editor',
    body: resendBody,
  },
  {
    method: 'post',
    path: '/api/campaigns/{id}/uncertain',
    summary: 'Decide on uncertain recipients: resend them or leave them',
    tag,
    access: 'editor',
    body: uncertainBody,
  },
  { method: 'post', path: '/api/campaigns/{id}/test', summary: 'Send a test to given addresses', tag, access: 'editor', body: testBody },
  { method: 'get', path: '/api/campaigns/{id}/counts', summary: 'Recipient counts by send state and outcome', tag, access: 'staff' },
  {
    method: 'get',
    path: '/api/campaigns/{id}/recipients',
    summary: 'Recipients with their send state',
    tag,
    access: 'staff',
    query: recipientsQuery,
  },
];
