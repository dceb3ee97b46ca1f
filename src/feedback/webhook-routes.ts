/**
 * Public feedback routes: the SNS webhook (checked by its signature, not by staff credentials)
 * and the tracked-link redirect.
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import { errorBody } from '../http/errors.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { createSnsVerifier, type SnsFetch } from './sns.ts';
import { followTrackedLink } from './tracking.ts';
import { receiveSnsDelivery, type SnsEndpoint } from './webhook.ts';

const webhookAnswer = z.object({
  status: z.enum(['processed', 'duplicate', 'ignored', 'confirmed', 'unsubscribed']),
  messageId: z.string(),
});

/** Creates the SNS endpoint state (certificate cache) once per app. */
export function createSnsEndpoint(fetcher: SnsFetch = (url, init) => fetch(url, init)): SnsEndpoint {
  return { verifier: createSnsVerifier({ fetch: fetcher }), fetch: fetcher };
}

/** `POST /api/webhooks/ses`: mount at the app root. */
export function sesWebhookRoutes(endpoint: SnsEndpoint): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.post('/api/webhooks/ses', async (c) => {
    const deps = c.var.deps;
    // SNS posts JSON as text/plain, so the body is read as text whatever the Content-Type.
    const text = await c.req.text();
    const result = await receiveSnsDelivery(deps, endpoint, text, c.req.raw.headers, c.var.log);
    if (result.status === 200) return c.json(result.body, 200);
    if (result.status === 502) return c.json(errorBody('upstream_failed', result.reason), 502);
    return c.json(errorBody('forbidden', 'The notification could not be verified.'), 403);
  });
  return app;
}

/** `GET /r/:token`: mount at the app root. */
export function trackedLinkRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  app.on(['GET', 'HEAD'], '/r/:token', async (c) => {
    const deps = c.var.deps;
    const url = await followTrackedLink(deps, c.req.param('token'), {
      userAgent: c.req.header('user-agent'),
      // Link checkers probe with HEAD; only a GET counts as a click.
      record: c.req.method === 'GET',
    });
    c.header('Cache-Control', 'no-store');
    c.header('Referrer-Policy', 'no-referrer');
    return c.redirect(url, 302);
  });
  return app;
}

export const feedbackWebhookDocs: RouteDoc[] = [
  {
    method: 'post',
    path: '/api/webhooks/ses',
    summary: 'Receive an Amazon SNS delivery of SES feedback (signature-checked)',
    tag: 'feedback',
    access: 'webhook',
    bodyType: 'text/plain',
    responses: {
      200: webhookAnswer,
      403: 'The message could not be verified (signature, certificate URL, topic) or raw delivery is on',
      502: 'Confirming an SNS subscription failed',
    },
  },
  {
    method: 'get',
    path: '/r/{token}',
    summary: 'Follow a tracked link: record the click and redirect to the signed URL',
    tag: 'feedback',
    access: 'public',
    responses: { 302: 'Redirect to the signed URL', 404: 'Invalid link' },
  },
];
