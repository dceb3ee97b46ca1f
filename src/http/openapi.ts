/**
 * The OpenAPI 3.1 document, assembled from the `RouteDoc[]` each route module exports, with the
 * same zod schemas the handlers validate with (zod 4's `z.toJSONSchema`, whose draft 2020-12
 * output is what OpenAPI 3.1 uses). `apiDocsPage` is a small self-contained page that renders
 * it, so `/api/docs` works offline and at the edge.
 */
import { z } from 'zod';
import type { RouteDoc } from './route-doc.ts';

export interface OpenApiOptions {
  /** The base URL shown as the server, e.g. `PUBLIC_URL`. */
  serverUrl?: string;
  version?: string;
}

type JsonSchema = Record<string, unknown>;

interface Operation {
  summary: string;
  tags: string[];
  operationId: string;
  'x-access': RouteDoc['access'];
  security: Array<Record<string, string[]>>;
  parameters?: Array<Record<string, unknown>>;
  requestBody?: Record<string, unknown>;
  responses: Record<string, unknown>;
}

export interface OpenApiDocument {
  openapi: '3.1.0';
  info: { title: string; version: string; description: string };
  servers: Array<{ url: string }>;
  tags: Array<{ name: string }>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown> };
}

/** Builds the document; routes keep the order of `docs` within each path. */
export function buildOpenApiDocument(docs: RouteDoc[], options: OpenApiOptions = {}): OpenApiDocument {
  const paths: OpenApiDocument['paths'] = {};
  const tags = new Set<string>();
  for (const doc of docs) {
    tags.add(doc.tag);
    const operation: Operation = {
      summary: doc.summary,
      tags: [doc.tag],
      operationId: operationId(doc),
      'x-access': doc.access,
      // Public routes and webhooks take no staff credentials (webhooks check their own signatures).
      security: doc.access === 'public' || doc.access === 'webhook' ? [] : [{ bearerAuth: [] }],
      responses: responsesOf(doc),
    };
    const parameters = [...pathParameters(doc.path), ...queryParameters(doc.query)];
    if (parameters.length > 0) operation.parameters = parameters;
    if (doc.body) {
      operation.requestBody = {
        required: true,
        content: { [doc.bodyType ?? 'application/json']: { schema: toSchema(doc.body, 'input') } },
      };
    }
    paths[doc.path] ??= {};
    paths[doc.path]![doc.method] = operation;
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gazette API',
      version: options.version ?? '0.1.0',
      description:
        'Staff and public JSON APIs of Gazette. Staff routes take `Authorization: Bearer <token>`; ' +
        'errors answer `{ "error": { "code", "message", "details"? } }`.',
    },
    servers: options.serverUrl ? [{ url: options.serverUrl }] : [],
    tags: [...tags].sort().map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } },
    },
  };
}

/** Converts a Hono route pattern (`/api/lists/:id{[0-9]+}`) to OpenAPI form (`/api/lists/{id}`). */
export function openApiPath(honoPath: string): string {
  return honoPath.replace(/:([A-Za-z0-9_]+)(\{[^}]*\})?\??/g, '{$1}');
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  // Dates, transforms and custom checks have no JSON Schema form; they show as "any" rather
  // than failing the whole document.
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  delete json.$schema;
  return json;
}

function pathParameters(path: string): Array<Record<string, unknown>> {
  return [...path.matchAll(/\{([^}]+)\}/g)].map((match) => ({
    name: match[1],
    in: 'path',
    required: true,
    schema: { type: 'string' },
  }));
}

function queryParameters(query: z.ZodType | undefined): Array<Record<string, unknown>> {
  if (!query) return [];
  const schema = toSchema(query, 'input');
  const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => {
    const { description, ...rest } = property;
    return {
      name,
      in: 'query',
      required: required.has(name),
      ...(description ? { description } : {}),
      schema: rest,
    };
  });
}

function responsesOf(doc: RouteDoc): Record<string, unknown> {
  const entries = Object.entries(doc.responses ?? { 200: 'OK' });
  return Object.fromEntries(
    entries.map(([status, response]) => [
      status,
      typeof response === 'string'
        ? { description: response }
        : { description: statusText(Number(status)), content: { 'application/json': { schema: toSchema(response, 'output') } } },
    ]),
  );
}

function statusText(status: number): string {
  const known: Record<number, string> = { 200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No content' };
  return known[status] ?? `Status ${status}`;
}

function operationId(doc: RouteDoc): string {
  const words = doc.path
    .split('/')
    .filter(Boolean)
    .map((part) => (part.startsWith('{') ? `by-${part.slice(1, -1)}` : part));
  return [doc.method, ...words]
    .join('-')
    .replace(/[^A-Za-z0-9]+(.)/g, (_all, next: string) => next.toUpperCase())
    .replace(/[^A-Za-z0-9]/g, '');
}

/**
 * A small page that fetches the document and lists each operation with its parameters, body and
 * responses. Self-contained (no CDN), so it works offline, behind a firewall and at the edge.
 */
export function apiDocsPage(documentUrl: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Gazette API</title>
<style>
  body { font: 15px/1.5 system-ui, sans-serif; margin: 0 auto; max-width: 60rem; padding: 1rem 1.5rem; color: #1d232a; }
  h1 { margin-bottom: 0; } .intro { color: #4a5561; }
  h2 { border-bottom: 1px solid #d5dbe1; padding-bottom: .25rem; margin-top: 2rem; }
  details { border: 1px solid #d5dbe1; border-radius: 6px; margin: .5rem 0; }
  summary { cursor: pointer; padding: .5rem .75rem; display: flex; gap: .75rem; align-items: baseline; }
  .method { font: 600 12px/1 ui-monospace, monospace; text-transform: uppercase; padding: .3rem .45rem; border-radius: 4px; color: #fff; min-width: 3.5rem; text-align: center; }
  .get { background: #2d6a9f; } .post { background: #2f7d4f; } .patch, .put { background: #9a6412; } .delete { background: #a33a3a; }
  .path { font-family: ui-monospace, monospace; } .access { margin-left: auto; font-size: 12px; color: #4a5561; }
  .body { padding: 0 .75rem .75rem; } pre { background: #f4f6f8; padding: .5rem; overflow: auto; font-size: 13px; border-radius: 4px; }
  h4 { margin: .75rem 0 .25rem; }
</style>
</head>
<body>
<h1>Gazette API</h1>
<p class="intro">Generated from the service's own schemas. The raw document: <a href="${documentUrl}">${documentUrl}</a>.</p>
<main id="api">Loading…</main>
<script type="module">
const root = document.getElementById('api');
const element = (tag, props = {}, ...children) => {
  const node = Object.assign(document.createElement(tag), props);
  for (const child of children) node.append(child);
  return node;
};
const code = (value) => element('pre', { textContent: JSON.stringify(value, null, 2) });
try {
  const spec = await (await fetch(${JSON.stringify(documentUrl)})).json();
  root.textContent = '';
  const byTag = new Map();
  for (const [path, operations] of Object.entries(spec.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      const tag = operation.tags?.[0] ?? 'other';
      if (!byTag.has(tag)) byTag.set(tag, []);
      byTag.get(tag).push({ path, method, operation });
    }
  }
  for (const tag of [...byTag.keys()].sort()) {
    root.append(element('h2', { textContent: tag }));
    for (const { path, method, operation } of byTag.get(tag)) {
      const body = element('div', { className: 'body' });
      if (operation.parameters?.length) body.append(element('h4', { textContent: 'Parameters' }), code(operation.parameters));
      if (operation.requestBody) body.append(element('h4', { textContent: 'Request body' }), code(operation.requestBody.content));
      body.append(element('h4', { textContent: 'Responses' }), code(operation.responses));
      root.append(element('details', {},
        element('summary', {},
          element('span', { className: 'method ' + method, textContent: method }),
          element('span', { className: 'path', textContent: path }),
          element('span', { textContent: operation.summary }),
          element('span', { className: 'access', textContent: operation['x-access'] })),
        body));
    }
  }
} catch (error) {
  root.textContent = 'Could not load the API description: ' + error;
}
</script>
</body>
</html>
`;
}
