import { describe, expect, it } from 'vitest';
import { createApp } from '../../src/app.ts';
import { buildOpenApiDocument, openApiPath } from '../../src/http/openapi.ts';
import { routeDocs, undocumentedRoutes } from '../../src/http/route-docs.ts';
import { createTestApp, testDeps } from '../helpers/app.ts';

function routeKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

/**
 * The handlers in the app's route table, as `METHOD /openapi/{path}`. Middleware (`use`)
 * registers as method ALL and wildcards; HEAD is served by the GET handler; a route listed with
 * several handlers (validators, then the handler) counts once.
 */
function servedRoutes(): string[] {
  const app = createApp(testDeps(undefined as never), { mount: (root) => root.get('/metrics', (c) => c.text('')) });
  const keys = app.routes
    .filter((route) => route.method !== 'ALL' && route.method !== 'HEAD' && !route.path.includes('*'))
    .map((route) => routeKey(route.method, normalise(openApiPath(route.path))));
  return [...new Set(keys)];
}

function normalise(path: string): string {
  return path.length > 1 ? path.replace(/\/+$/, '') : path;
}

describe('openapi document', () => {
  const document = buildOpenApiDocument(routeDocs);

  it('is version 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every api route in the route table', () => {
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => routeKey(method, path)),
      ),
    );
    const missing = servedRoutes()
      .filter((key) => !undocumentedRoutes.some(({ pattern }) => pattern.test(key.split(' ')[1]!)))
      .filter((key) => !documented.has(key));
    expect(
      missing,
      'These routes have no RouteDoc: describe each in its route module and add the module\'s ' +
        'RouteDoc[] to routeDocs in src/http/route-docs.ts (or, for an HTML page, to undocumentedRoutes there)',
    ).toEqual([]);
  });

  it('documents no route the app lacks', () => {
    const served = new Set(servedRoutes());
    const stale = routeDocs
      .filter((doc) => !undocumentedRoutes.some(({ pattern }) => pattern.test(doc.path)))
      .map((doc) => routeKey(doc.method, doc.path))
      .filter((key) => !served.has(key));
    expect(stale, 'These RouteDocs describe routes the app does not serve').toEqual([]);
  });

  it('gives every operation a unique id', () => {
    const ids = Object.values(document.paths).flatMap((operations) => Object.values(operations).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('renders every schema', () => {
    // z.toJSONSchema throws on schemas it cannot express; the whole document must build.
    expect(Object.keys(document.paths).length).toBe(new Set(routeDocs.map((doc) => doc.path)).size);
  });
});

describe('openapi path', () => {
  it('converts parameters', () => {
    expect(openApiPath('/api/lists/:id')).toBe('/api/lists/{id}');
  });

  it('drops parameter patterns', () => {
    expect(openApiPath('/api/campaigns/:id{[0-9]+}/send')).toBe('/api/campaigns/{id}/send');
  });
});

describe('openapi routes', () => {
  it('serve the document without a token', async () => {
    const { request } = createTestApp(undefined as never);
    const response = await request('GET', '/api/openapi.json', { token: null });
    const body = (await response.json()) as { openapi: string };
    expect(body.openapi).toBe('3.1.0');
  });

  it('serve a docs page', async () => {
    const { request } = createTestApp(undefined as never);
    const response = await request('GET', '/api/docs', { token: null });
    expect(response.headers.get('content-type')).toContain('text/html');
  });

  it('docs page loads no remote script', async () => {
    const { request } = createTestApp(undefined as never);
    const html = await (await request('GET', '/api/docs', { token: null })).text();
    expect(html).not.toMatch(/<script[^>]+src=/);
  });
});
