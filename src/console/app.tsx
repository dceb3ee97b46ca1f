/** @jsxImportSource hono/jsx */
/**
 * The staff console under `/console`: server-rendered pages (Hono JSX) that work without
 * script, with a session cookie, a CSRF token on every form, a strict Content-Security-Policy
 * and an audit row for every change.
 */
import { Hono, type Context } from 'hono';
import { auditChanges } from '../auth/audit.ts';
import { DomainError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import { consoleCss, consoleJs } from './assets.ts';
import { BarePage, Layout } from './layout.tsx';
import { pageContext } from './http.ts';
import { registerCampaignPages } from './pages/campaigns.tsx';
import { registerComposePages } from './pages/compose.tsx';
import { registerContentPages } from './pages/content.tsx';
import { registerDashboard } from './pages/dashboard.tsx';
import { registerListPages } from './pages/lists.tsx';
import { registerSchedulePages } from './pages/schedules.tsx';
import { registerSegmentPages } from './pages/segments.tsx';
import { registerSettingsPages } from './pages/settings.tsx';
import { registerSignIn, registerSignOut } from './pages/sign-in.tsx';
import { registerStaffPages } from './pages/staff.tsx';
import { registerSubscriberImportPages } from './pages/subscriber-imports.tsx';
import { registerSubscriberPages } from './pages/subscribers.tsx';
import { registerSuppressionPages } from './pages/suppressions.tsx';
import { checkChanges, requireSession, securityHeaders } from './security.ts';

function problemPage(c: Context<AppEnv>, status: number, title: string, message: string): Response | Promise<Response> {
  const body = c.get('session') ? (
    <Layout page={pageContext(c)} title={title}>
      <div class="error-summary" role="alert">
        <p>{message}</p>
      </div>
      <p>
        <a href="/console">Back to the dashboard</a>
      </p>
    </Layout>
  ) : (
    <BarePage title={title}>
      <p>{message}</p>
      <p>
        <a href="/console/sign-in">Sign in</a>
      </p>
    </BarePage>
  );
  return c.html(body, status as 403);
}

/** Creates the console routes; the app mounts them at `/console`. */
export function consoleRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.use(securityHeaders());
  app.get('/assets/console.css', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(consoleCss, 200, { 'Content-Type': 'text/css; charset=utf-8' });
  });
  app.get('/assets/console.js', (c) => {
    c.header('Cache-Control', 'public, max-age=300');
    return c.body(consoleJs, 200, { 'Content-Type': 'text/javascript; charset=utf-8' });
  });

  registerSignIn(app);
  app.use(requireSession());
  app.use(checkChanges((c, message) => problemPage(c, 403, 'Not allowed', message)));
  app.use(auditChanges());

  registerSignOut(app);
  registerDashboard(app);
  registerContentPages(app);
  registerComposePages(app);
  registerCampaignPages(app);
  registerSubscriberPages(app);
  registerSubscriberImportPages(app);
  registerListPages(app);
  registerSegmentPages(app);
  registerSchedulePages(app);
  registerSuppressionPages(app);
  registerSettingsPages(app);
  registerStaffPages(app);

  // A catch-all route rather than notFound(): a mounted app's notFound is not used by its parent.
  app.all('*', (c) => problemPage(c, 404, 'Page not found', `There is no console page at ${c.req.path}. Use the navigation to find what you need.`));
  app.onError((error, c) => {
    if (error instanceof DomainError && error.status < 500) {
      const title = error.status === 404 ? 'Not found' : error.status === 403 ? 'Not allowed' : 'That did not work';
      return problemPage(c, error.status, title, error.message);
    }
    c.get('log')?.error({ err: error }, 'console page failed');
    return problemPage(c, 500, 'Something went wrong', 'The page could not be shown because of an error on the server. Try again; if it keeps happening, tell an administrator (the server log has the details).');
  });
  return app;
}
