/**
 * `/api/imports`: start a CSV import, follow its progress, download its rejected rows.
 *
 * The file comes as a multipart form (`file`, `list`, `mode`, `overwrite`, `resubscribe`), or
 * as the raw body with `Content-Type: text/csv` and the options in the query string. A raw body
 * is stored as it streams in.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { BadRequestError } from '../errors.ts';
import type { AppEnv } from '../http/context.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { validate } from '../http/validate.ts';
import { getImport, importErrorsCsv, startImport, type NewImport } from './imports.ts';

const flag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', 'on'])
  .optional()
  .transform((value) => value === 'true' || value === '1' || value === 'yes' || value === 'on');

export const importOptions = z.object({
  list: z.string().trim().min(1, 'expected a list slug').optional(),
  mode: z.enum(['subscribe', 'blocklist']).default('subscribe'),
  overwrite: flag,
  resubscribe: flag,
  fileName: z.string().max(255).optional(),
});

export function importRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.post('/imports', async (c) => {
    const deps = c.var.deps;
    const type = c.req.header('content-type') ?? '';
    let input: NewImport;
    let body: AsyncIterable<Uint8Array>;
    if (type.startsWith('multipart/form-data')) {
      // NOTE: Hono's form parser keeps the whole uploaded file in memory; scripts sending large files
      // should post the raw CSV (`text/csv`), which is stored as it arrives.
      const form = await c.req.parseBody();
      const file = form.file;
      if (!(file instanceof File)) throw new BadRequestError('The form has no file: send the CSV in a field named "file".');
      input = toNewImport(c, validate(importOptions, { ...stringFields(form), fileName: file.name }, 'The import'));
      body = file.stream() as unknown as AsyncIterable<Uint8Array>;
    } else if (type.startsWith('text/csv') || type.startsWith('text/plain') || type.startsWith('application/octet-stream')) {
      if (!c.req.raw.body) throw new BadRequestError('The request body is empty; send the CSV file.');
      input = toNewImport(c, validate(importOptions, c.req.query(), 'The import'));
      body = c.req.raw.body as unknown as AsyncIterable<Uint8Array>;
    } else {
      throw new BadRequestError('Send the CSV as multipart/form-data (field "file") or as the body with Content-Type: text/csv.');
    }

    const id = await startImport(deps, input, body);
    return c.json({ id }, 202);
  });

  app.get('/imports/:id', async (c) => c.json(await getImport(c.var.deps.db, c.req.param('id'))));

  app.get('/imports/:id/errors', async (c) => {
    const csv = await importErrorsCsv(c.var.deps.db, c.req.param('id'));
    return c.body(csv, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="import-${c.req.param('id')}-errors.csv"`,
    });
  });
  return app;
}

function stringFields(form: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(Object.entries(form).filter((entry): entry is [string, string] => typeof entry[1] === 'string'));
}

export function toNewImport(c: Context<AppEnv>, options: z.output<typeof importOptions>): NewImport {
  return {
    list: options.list,
    mode: options.mode,
    overwrite: options.overwrite,
    resubscribe: options.resubscribe,
    fileName: options.fileName ?? 'upload.csv',
    createdBy: c.var.staff?.name ?? 'api',
  };
}

export const importRouteDocs: RouteDoc[] = [
  { method: 'post', path: '/api/imports', summary: 'Start a CSV import (multipart `file`, or the raw body as text/csv with options in the query)', tag: 'imports', access: 'editor', query: importOptions, responses: { 202: z.object({ id: z.string() }), 400: 'no file', 422: 'unknown list or invalid option' } },
  { method: 'get', path: '/api/imports/{id}', summary: 'Status, counts, progress and the first rejected rows of an import', tag: 'imports', access: 'staff', responses: { 404: 'unknown id' } },
  { method: 'get', path: '/api/imports/{id}/errors', summary: 'Rejected and merged rows as CSV (line, email, reason)', tag: 'imports', access: 'staff', responses: { 200: 'text/csv', 404: 'unknown id' } },
];
