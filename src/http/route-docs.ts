/**
 * Every documented route, in one list: the OpenAPI document is built from it, and
 * `test/http/openapi.test.ts` checks it against the app's route table, so a route mounted in
 * `src/app.ts` without its `RouteDoc` here fails the suite. Each domain adds its route module's
 * `RouteDoc[]` to `routeDocs` below, one line each.
 */
import { z } from 'zod';
import { staffAccountDocs } from '../auth/routes.ts';
import { archiveRouteDocs } from '../campaigns/archive-routes.ts';
import { layoutRouteDocs } from '../campaigns/layout-routes.ts';
import { campaignRouteDocs } from '../campaigns/routes.ts';
import { contentRouteDocs } from '../content/routes.ts';
import { deliveryRouteDocs } from '../delivery/routes.ts';
import { digestRouteDocs, notificationRouteDocs, scheduleRouteDocs } from '../digests/routes.ts';
import { feedbackDocs } from '../feedback/routes.ts';
import { feedbackWebhookDocs } from '../feedback/webhook-routes.ts';
import { listRouteDocs } from '../lists/routes.ts';
import { publicRouteDocs } from '../public/routes.ts';
import { segmentRouteDocs } from '../segments/routes.ts';
import { importRouteDocs } from '../subscribers/import-routes.ts';
import { subscriberRouteDocs } from '../subscribers/routes.ts';
import type { RouteDoc } from './route-doc.ts';

const status = z.object({ status: z.string() });

/** The routes `src/app.ts` defines itself: health, readiness and this description. */
export const coreRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'The process is alive and serving requests',
    tag: 'operations',
    access: 'public',
    responses: { 200: status },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'The database answers and every migration has run',
    tag: 'operations',
    access: 'public',
    responses: {
      200: status,
      503: z.object({ status: z.enum(['migrations_pending', 'database_unreachable']), pending: z.array(z.string()).optional() }),
    },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This API description (OpenAPI 3.1)',
    tag: 'operations',
    access: 'public',
    responses: { 200: 'The OpenAPI document' },
  },
  {
    method: 'get',
    path: '/api/docs',
    summary: 'A browsable page of this API description',
    tag: 'operations',
    access: 'public',
    responses: { 200: 'An HTML page' },
  },
];

export const routeDocs: RouteDoc[] = [
  ...coreRouteDocs,
  // Domain route docs, one line each.
  ...segmentRouteDocs,
  ...staffAccountDocs,
  ...feedbackWebhookDocs,
  ...feedbackDocs,
  ...deliveryRouteDocs,
  ...digestRouteDocs,
  ...scheduleRouteDocs,
  ...notificationRouteDocs,
  ...contentRouteDocs,
  ...campaignRouteDocs,
  ...archiveRouteDocs,
  ...layoutRouteDocs,
  ...listRouteDocs,
  ...subscriberRouteDocs,
  ...importRouteDocs,
  ...publicRouteDocs,
];

/**
 * Routes that are not part of the JSON API and so stay out of the document, matched against
 * the OpenAPI form of the path (`/confirm/{token}`): HTML pages, the staff console and the
 * Prometheus text. Everything else in the route table needs a `RouteDoc`.
 */
export const undocumentedRoutes: Array<{ pattern: RegExp; reason: string }> = [
  { pattern: /^\/console(\/|$)/, reason: 'staff console pages (HTML)' },
  { pattern: /^\/metrics$/, reason: 'Prometheus text format, described in docs/operations.md' },
  { pattern: /^\/(confirm|unsubscribe|preferences)\/\{[^}]+\}$/, reason: 'public pages behind emailed links (HTML)' },
  { pattern: /^\/archive(\/|\.xml$|$)/, reason: 'public archive pages and its RSS feed' },
  { pattern: /^\/r\/\{[^}]+\}$/, reason: 'tracked-link redirects inside sent mail' },
  { pattern: /^\/events\/\{[^}]+\}(\.ics)?$/, reason: 'event calendar files; Hono matches `{id}.ics` as one parameter' },
];
