import { describe, expect, it } from 'vitest';
import { buildOpenApiDocument, openApiPath } from '../../src/http/openapi.ts';
import { routeDocs } from '../../src/http/route-docs.ts';
import { createTestApp, testDeps } from '../helpers/app.ts';
import { createApp } from '../../src/app.ts';

/**
 * Routes that are not part of the JSON API: staff console pages, public HTML pages and
 * Prometheus metrics (text). Everything else in the route table must be documented.
 */
const notApi: RegExp[] = [
  /^\/console(\/|$)/,
  /^\/metrics$/,
  // Public pages (the embeddable form answers a page, its JSON twin is documented).
  /^\/(confirm|unsubscribe|preferences)\/\{token\}$/,
  /^\/archive(\/|\.xml$|$)/,
];

function documentedKey(method: string, path: string): string {
  return `${method.toUpperCase()} ${path}`;
}

describe('openapi document', () => {
  const app = createApp(testDeps(undefined as never), { mount: (root) => root.get('/metrics', (c) => c.text('')) });
  const document = buildOpenApiDocument(routeDocs);

  it('is version 3.1', () => {
    expect(document.openapi).toBe('3.1.0');
  });

  it('documents every api route in the route table', () => {
    const documented = new Set(
      Object.entries(document.paths).flatMap(([path, operations]) =>
        Object.keys(operations).map((method) => documentedKey(method, path)),
      ),
    );
    const missing = app.routes
      .filter((route) => route.method !== 'ALL' && !route.path.includes('*'))
      .map((route) => ({ method: route.method, path: openApiPath(route.path) }))
      .filter((route) => !notApi.some((pattern) => pattern.test(route.path)))
      // HEAD is answered by the GET handler.
      .filter((route) => route.method !== 'HEAD')
      .map((route) => documentedKey(route.method, route.path))
      .filter((key) => !documented.has(key));
    expect([...new Set(missing)]).toEqual([]);
  });

  it('documents no route the app lacks', () => {
    const served = new Set(app.routes.map((route) => documentedKey(route.method, openApiPath(route.path))));
    const stale = routeDocs
      .map((doc) => documentedKey(doc.method, doc.path))
      .filter((key) => !served.has(key));
    expect(stale).toEqual([]);
  });

  it('gives every operation a unique id', () => {
    const ids = Object.values(document.paths).flatMap((operations) => Object.values(operations).map((op) => op.operationId));
    expect(new Set(ids).size).toBe(ids.length);
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
