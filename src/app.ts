/**
 * Builds the whole Hono app: the public side from `public-app.ts`, plus the API description, the
 * staff API and the console. No I/O happens here or at import time: the dependencies arrive as
 * arguments, so the same app runs under Node and in tests. The Workers entry builds only the
 * public side.
 */
import { Hono } from 'hono';
import { auditChanges } from './auth/audit.ts';
import { staffAccountRoutes } from './auth/routes.ts';
import { consoleRoutes } from './console/app.tsx';
import { defaultAuthenticators, requireRole, requireStaff, type Authenticator } from './auth/middleware.ts';
import type { Deps } from './deps.ts';
import type { AppEnv } from './http/context.ts';
import { feedbackRoutes } from './feedback/routes.ts';
import { digestRoutes, notificationRoutes, scheduleRoutes } from './digests/routes.ts';
import { apiDocsPage, buildOpenApiDocument } from './http/openapi.ts';
import { routeDocs } from './http/route-docs.ts';
import { createPublicApp, type PublicAppOptions } from './public-app.ts';
import { segmentRoutes } from './segments/routes.ts';
import { deliveryRoutes } from './delivery/routes.ts';
import { contentRoutes, feedRoutes } from './content/routes.ts';
import { campaignRoutes } from './campaigns/routes.ts';
import { layoutRoutes } from './campaigns/layout-routes.ts';
import { listRoutes } from './lists/routes.ts';
import { importRoutes } from './subscribers/import-routes.ts';
import { subscriberRoutes } from './subscribers/routes.ts';

export interface AppOptions extends PublicAppOptions {
  /** Extra ways to recognise staff (console sessions, personal API tokens). */
  authenticators?: Authenticator[];
}

/** Creates the whole HTTP app: health checks, public pages, webhooks, staff API and console. */
export function createApp(deps: Deps, options: AppOptions = {}): Hono<AppEnv> {
  const authenticators = [...defaultAuthenticators, ...(options.authenticators ?? [])];
  const app = createPublicApp(deps, {
    ...options,
    mount: (base) => {
      // The API's own description, open to anyone: it holds no data.
      let openApi: ReturnType<typeof buildOpenApiDocument> | undefined;
      base.get('/api/openapi.json', (c) => {
        openApi ??= buildOpenApiDocument(routeDocs, { serverUrl: deps.config.publicUrl });
        return c.json(openApi);
      });
      base.get('/api/docs', (c) => c.html(apiDocsPage('/api/openapi.json')));

      options.mount?.(base);
    },
  });

  // Staff API: everything under /api except the public and webhook paths.
  const staff = new Hono<AppEnv>();
  staff.use(requireStaff(authenticators));
  // Reads are open to every role; changes need an editor.
  staff.use(async (c, next) => {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return requireRole('editor')(c, next);
  });
  // Every change a staff member makes is written to the audit log.
  staff.use(auditChanges());

  // Staff JSON API (mounted on `staff`, under /api).
  staff.route('/segments', segmentRoutes());
  staff.route('/content', contentRoutes());
  staff.route('/feeds', feedRoutes());
  staff.route('/', staffAccountRoutes());
  staff.route('/', feedbackRoutes());
  staff.route('/campaigns', deliveryRoutes());
  staff.route('/digests', digestRoutes());
  staff.route('/schedules', scheduleRoutes());
  staff.route('/notifications', notificationRoutes());
  staff.route('/campaigns', campaignRoutes());
  staff.route('/layouts', layoutRoutes());
  staff.route('/', listRoutes());
  staff.route('/', subscriberRoutes());
  staff.route('/', importRoutes());

  app.route('/api', staff);

  // Staff console pages.
  app.route('/console', consoleRoutes());
  return app;
}

