/**
 * Staff feedback routes: sending health, replay of saved notifications, the campaign report
 * and the per-campaign click-tracking switch. Mounted on the staff API under /api.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import { PayloadTooLargeError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery, validate } from '../http/validate.ts';
import { feedbackHealth } from './health.ts';
import { parseReplayInput, replayNotifications } from './replay.ts';
import { campaignReport } from './report.ts';
import { setClickTracking } from './tracking.ts';

/** Largest number of notifications one replay request takes; the CLI sends larger files in parts. */
export const maxReplayItems = 5000;

const healthQuery = z.object({
  days: z.coerce.number().int().min(1).max(365, 'expected at most 365 days').default(30),
});
const campaignParams = z.object({ id: z.string().regex(/^\d{1,18}$/, 'expected a campaign id') });
const clickTrackingBody = z.object({ enabled: z.boolean() });

export function feedbackRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/feedback/health', async (c) => {
    const { days } = readQuery(c, healthQuery);
    const deps = c.var.deps;
    return c.json(await feedbackHealth(deps.db, { topicArns: deps.config.snsTopicArns, now: deps.now(), windowDays: days }));
  });

  app.post('/feedback/replay', async (c) => {
    const items = parseReplayInput(await c.req.text());
    if (items.length > maxReplayItems) {
      throw new PayloadTooLargeError(`A replay takes at most ${maxReplayItems} notifications; got ${items.length}. Split the file.`);
    }
    return c.json(await replayNotifications(c.var.deps, items));
  });

  app.get('/campaigns/:id/report', async (c) => {
    const { id } = validate(campaignParams, c.req.param(), 'The campaign id');
    return c.json(await campaignReport(c.var.deps.db, id));
  });

  app.post('/campaigns/:id/click-tracking', async (c) => {
    const { id } = validate(campaignParams, c.req.param(), 'The campaign id');
    const { enabled } = await readJson(c, clickTrackingBody);
    await setClickTracking(c.var.deps.db, id, enabled, c.var.deps.now());
    return c.json({ campaignId: id, clickTracking: enabled });
  });

  return app;
}

export const feedbackDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/api/feedback/health',
    summary: 'Last notification per SNS topic, bounce and complaint rates with warnings',
    tag: 'feedback',
    access: 'staff',
    query: healthQuery,
  },
  {
    method: 'post',
    path: '/api/feedback/replay',
    summary: 'Re-process saved SNS envelopes or SES notifications (JSON array or JSON Lines), idempotent',
    tag: 'feedback',
    access: 'editor',
    bodyType: 'application/json',
  },
  {
    method: 'get',
    path: '/api/campaigns/{id}/report',
    summary: 'Delivery, bounces, complaints, unsubscribes, opens, clicks and top links of a campaign',
    tag: 'feedback',
    access: 'staff',
  },
  {
    method: 'post',
    path: '/api/campaigns/{id}/click-tracking',
    summary: 'Turn tracked links on or off for a campaign',
    tag: 'feedback',
    access: 'editor',
    body: clickTrackingBody,
  },
];
