/**
 * Builds the public side of the Hono app: health checks, public pages and JSON, and webhooks,
 * none of which need staff credentials. It imports no staff route module, so the Workers entry,
 * which serves only this side, bundles no staff code (cron parsing, MIME building). `createApp`
 * in `app.ts` adds the API description, the staff API and the console.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { requestId } from 'hono/request-id';
import { routePath } from 'hono/route';
import { archiveRoutes } from './campaigns/archive-routes.ts';
import { calendarRoutes } from './content/routes.ts';
import type { Deps } from './deps.ts';
import { PayloadTooLargeError } from './errors.ts';
import type { SnsFetch } from './feedback/sns.ts';
import { createSnsEndpoint, sesWebhookRoutes, trackedLinkRoutes } from './feedback/webhook-routes.ts';
import type { AppEnv } from './http/context.ts';
import { errorBody, handleError } from './http/errors.ts';
import { publicRoutes } from './public/routes.ts';

export interface PublicAppOptions {
  /** Largest request body accepted, in bytes (imports have their own limit). */
  maxBodyBytes?: number;
  /**
   * Returns the migrations not yet applied, for `/readyz`. Node and the edge both pass the
   * migrator's check, which reads the migration list from `migrations/index.ts`.
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
}

/** Creates the public app; `mount` adds routes after the health checks and before the public routes. */
export function createPublicApp(deps: Deps, options: PublicAppOptions = {}): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

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

  options.mount?.(app);

  // Route modules mount below, one line each, grouped by who may call them. Public pages and
  // JSON: subscribe, confirm, preferences, unsubscribe, archive.
  app.route('/events', calendarRoutes());
  app.route('/', archiveRoutes());
  app.route('/', publicRoutes());

  // Webhooks: authenticated by their own signatures, not by staff credentials.
  app.route('/', sesWebhookRoutes(createSnsEndpoint(options.snsFetch)));
  app.route('/', trackedLinkRoutes());

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
