/**
 * Builds the Hono app from the route modules. No I/O happens here or at import time: the
 * dependencies arrive as arguments, so the same app runs under Node, in tests and at the edge.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { auditChanges } from './auth/audit.ts';
import { staffAccountRoutes } from './auth/routes.ts';
import { consoleRoutes } from './console/app.tsx';
import { defaultAuthenticators, requireRole, requireStaff, type Authenticator } from './auth/middleware.ts';
import type { Deps } from './deps.ts';
import { PayloadTooLargeError } from './errors.ts';
import type { AppEnv } from './http/context.ts';
import { handleError, errorBody } from './http/errors.ts';
import { feedbackRoutes } from './feedback/routes.ts';
import type { SnsFetch } from './feedback/sns.ts';
import { createSnsEndpoint, sesWebhookRoutes, trackedLinkRoutes } from './feedback/webhook-routes.ts';
import { digestRoutes, notificationRoutes, scheduleRoutes } from './digests/routes.ts';
import { apiDocsPage, buildOpenApiDocument } from './http/openapi.ts';
import { routeDocs } from './http/route-docs.ts';
import { segmentRoutes } from './segments/routes.ts';
import { deliveryRoutes } from './delivery/routes.ts';
import { calendarRoutes, contentRoutes, feedRoutes } from './content/routes.ts';
import { archiveRoutes } from './campaigns/archive-routes.ts';
import { campaignRoutes } from './campaigns/routes.ts';
import { layoutRoutes } from './campaigns/layout-routes.ts';
import { listRoutes } from './lists/routes.ts';
import { publicRoutes } from './public/routes.ts';
import { importRoutes } from './subscribers/import-routes.ts';
import { subscriberRoutes } from './subscribers/routes.ts';

export interface AppOptions {
  /** Extra ways to recognise staff (console sessions, personal API tokens). */
  authenticators?: Authenticator[];
  /** Largest request body accepted, in bytes (imports have their own limit). */
  maxBodyBytes?: number;
  /**
   * Returns the migrations not yet applied, for `/readyz`. Node passes the migrator's check; the
   * edge, which cannot read the migrations folder, passes a query of its own or nothing.
   */
  pendingMigrations?: () => Promise<string[]>;
  /**
   * Fetches SNS signing certificates and calls SubscribeURLs (default: `fetch`); tests pass a
   * local function so they never reach the network.
   */
  snsFetch?: SnsFetch;
  /**
   * Mounts routes only one runtime has (Node mounts `/metrics` here). Called before the staff
   * API is mounted, so these routes bring their own authentication.
   */
  mount?: (app: Hono<AppEnv>) => void;
  /**
   * Serves only what needs no staff credentials: health checks, public pages and JSON, webhooks
   * and the API description. The edge entry sets it, because the staff side stays on Node.
   */
  publicOnly?: boolean;
}

/** Creates the whole HTTP app: health checks, public pages, webhooks, staff API and console. */
export function createApp(deps: Deps, options: AppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const authenticators = [...defaultAuthenticators, ...(options.authenticators ?? [])];

  app.use(requestId());
  app.use(async (c, next) => {
    c.set('deps', deps);
    c.set('log', deps.logger.child({ requestId: c.get('requestId') }));
    await next();
  });
  app.use(accessLog);
  app.use(
    bodyLimit({
      maxSize: options.maxBodyBytes ?? 5 * 1024 * 1024,
      onError: () => {
        throw new PayloadTooLargeError('The request body is too large.');
      },
    }),
  );

  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', async (c) => {
    try {
      await deps.db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      const pending = (await options.pendingMigrations?.()) ?? [];
      if (pending.length > 0) return c.json({ status: 'migrations_pending', pending }, 503);
      return c.json({ status: 'ok' });
    } catch (error) {
      c.get('log').warn({ err: error }, 'readiness check failed');
      return c.json({ status: 'database_unreachable' }, 503);
    }
  });

  // The API's own description, open to anyone: it holds no data.
  let openApi: ReturnType<typeof buildOpenApiDocument> | undefined;
  app.get('/api/openapi.json', (c) => {
    openApi ??= buildOpenApiDocument(routeDocs, { serverUrl: deps.config.publicUrl });
    return c.json(openApi);
  });
  app.get('/api/docs', (c) => c.html(apiDocsPage('/api/openapi.json')));

  options.mount?.(app);

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

  // Route modules mount below, one line each, grouped by who may call them. Public pages and
  // JSON: subscribe, confirm, preferences, unsubscribe, archive.
  app.route('/events', calendarRoutes());
  app.route('/', archiveRoutes());
  app.route('/', publicRoutes());

  // Webhooks: authenticated by their own signatures, not by staff credentials.
  app.route('/', sesWebhookRoutes(createSnsEndpoint(options.snsFetch)));
  app.route('/', trackedLinkRoutes());

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

  if (!options.publicOnly) app.route('/api', staff);

  // Staff console pages.
  if (!options.publicOnly) app.route('/console', consoleRoutes());

  app.notFound((c) => c.json(errorBody('not_found', `No route for ${c.req.method} ${c.req.path}.`), 404));
  app.onError(handleError);
  return app;
}

/**
 * One log line per request (method, route pattern, status, duration; the request id comes from
 * the child logger) and the HTTP metrics. The route is Hono's matched pattern, such as
 * `/api/subscribers/:id`, so neither the log nor the metrics carry ids or tokens from the URL.
 */
const accessLog: MiddlewareHandler<AppEnv> = async (c, next) => {
  const started = performance.now();
  await next();
  const seconds = (performance.now() - started) / 1000;
  // After `next()`, the route index points at the handler that answered.
  const matched = routePath(c);
  const route = matched.endsWith('*') ? '(unmatched)' : matched;
  const status = c.res.status;
  const { deps, log } = c.var;
  deps.metrics?.observeRequest({ method: c.req.method, route, status, seconds });
  const line = { method: c.req.method, route, status, ms: Math.round(seconds * 1000) };
  if (status >= 500) log.error(line, 'request');
  else if (route === '/healthz' || route === '/readyz' || route === '/metrics') log.debug(line, 'request');
  else log.info(line, 'request');
};
