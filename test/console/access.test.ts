/**
 * Access rules checked route by route from the app's own route table, so a route added later
 * is covered without touching this file.
 */
import { beforeAll, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

/** Routes anyone may call: health checks, public pages and JSON, webhooks, sign-in, assets. */
const openRoutes: RegExp[] = [
  /^\/healthz$/,
  /^\/readyz$/,
  /^\/metrics$/,
  /^\/api\/public(\/|$)/,
  /^\/api\/webhooks(\/|$)/,
  /^\/api\/openapi(\.json)?$/,
  /^\/api\/docs$/,
  /^\/console\/sign-in$/,
  /^\/console\/assets\//,
];

/** Changes a viewer may make to their own session and settings. */
const viewerChanges: RegExp[] = [/^\/console\/sign-out$/, /^\/console\/account(\/|$)/];

const methods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

interface Route {
  method: string;
  path: string;
}

/** Staff routes (under /api and /console) from the route table, one per method and path. */
function staffRoutes(app: Hono<AppEnv>): Route[] {
  const seen = new Set<string>();
  const routes: Route[] = [];
  for (const route of app.routes) {
    if (!methods.has(route.method)) continue;
    if (!/^\/(api|console)(\/|$)/.test(route.path)) continue;
    if (openRoutes.some((pattern) => pattern.test(route.path))) continue;
    if (route.path.endsWith('*')) continue;
    const key = `${route.method} ${route.path}`;
    if (seen.has(key)) continue;
    seen.add(key);
    routes.push({ method: route.method, path: route.path });
  }
  return routes;
}

/** A concrete URL for a route pattern: every parameter becomes `1`. */
function concrete(path: string): string {
  return path.replace(/:[A-Za-z_]+(\{[^}]*\})?\??/g, '1');
}

function isChange(method: string): boolean {
  return method !== 'GET';
}

describeEachDatabase('console and staff api access', (database) => {
  let app: Hono<AppEnv>;
  let viewer: TestStaff;

  beforeAll(async () => {
    const built = createTestApp(database().db);
    app = built.app;
    viewer = await signedInStaff(built.deps, 'viewer');
  });

  it('route table lists console and api routes', () => {
    const routes = staffRoutes(app);
    expect(routes.some((route) => route.path.startsWith('/console'))).toBe(true);
    expect(routes.some((route) => route.path.startsWith('/api'))).toBe(true);
  });

  it('unauthenticated console pages redirect to sign-in', async () => {
    const wrong: string[] = [];
    for (const route of staffRoutes(app).filter((r) => r.path.startsWith('/console'))) {
      const response = await app.request(concrete(route.path), {
        method: route.method,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: route.method === 'GET' ? undefined : '',
      });
      const location = response.headers.get('location') ?? '';
      if (response.status !== 303 || !location.startsWith('/console/sign-in')) wrong.push(`${route.method} ${route.path} → ${response.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('unauthenticated api routes answer 401', async () => {
    const wrong: string[] = [];
    for (const route of staffRoutes(app).filter((r) => r.path.startsWith('/api'))) {
      const response = await app.request(concrete(route.path), {
        method: route.method,
        headers: { 'content-type': 'application/json' },
        body: route.method === 'GET' ? undefined : '{}',
      });
      if (response.status !== 401) wrong.push(`${route.method} ${route.path} → ${response.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('viewer changes through the console answer 403', async () => {
    const wrong: string[] = [];
    const changes = staffRoutes(app).filter(
      (r) => r.path.startsWith('/console') && isChange(r.method) && !viewerChanges.some((pattern) => pattern.test(r.path)),
    );
    expect(changes.length).toBeGreaterThan(0);
    for (const route of changes) {
      const response = await app.request(concrete(route.path), {
        method: route.method,
        headers: { cookie: viewer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody({}, viewer.csrf),
      });
      if (response.status !== 403) wrong.push(`${route.method} ${route.path} → ${response.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('viewer changes through the api answer 403', async () => {
    const wrong: string[] = [];
    const changes = staffRoutes(app).filter((r) => r.path.startsWith('/api') && isChange(r.method));
    expect(changes.length).toBeGreaterThan(0);
    for (const route of changes) {
      const response = await app.request(concrete(route.path), {
        method: route.method,
        headers: { cookie: viewer.cookie, 'x-csrf-token': viewer.csrf, 'content-type': 'application/json' },
        body: '{}',
      });
      if (response.status !== 403) wrong.push(`${route.method} ${route.path} → ${response.status}`);
    }
    expect(wrong).toEqual([]);
  });

  it('console form without csrf token answers 403', async () => {
    const editor = await signedInStaff(createTestApp(database().db).deps, 'admin');
    const response = await app.request('/console/staff/tokens', {
      method: 'POST',
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ name: 'no csrf' }, null),
    });
    expect(response.status).toBe(403);
  });

  it('console form with a wrong csrf token answers 403', async () => {
    const editor = await signedInStaff(createTestApp(database().db).deps, 'admin');
    const response = await app.request('/console/staff/tokens', {
      method: 'POST',
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ name: 'wrong csrf' }, 'not-the-token'),
    });
    expect(response.status).toBe(403);
  });

  it('console pages carry a content security policy', async () => {
    const response = await app.request('/console', { headers: { cookie: viewer.cookie } });
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
  });
});
