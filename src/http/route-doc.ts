/**
 * Route documentation. Each route module exports a `RouteDoc[]` beside its router, built from
 * the same zod schemas the handlers validate with; the OpenAPI document is assembled from them.
 */
import type { z } from 'zod';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** The full path in OpenAPI form, e.g. `/api/lists/{id}`. */
  path: string;
  summary: string;
  tag: string;
  /** Who may call it: `public` (no auth), `staff` (any role), `editor`, `admin`, `webhook`. */
  access: 'public' | 'staff' | 'editor' | 'admin' | 'webhook';
  body?: z.ZodType;
  /** Media type of the body when it is not JSON (e.g. `multipart/form-data`). */
  bodyType?: string;
  query?: z.ZodType;
  /** Response schemas by status code; a string is a plain description. */
  responses?: Record<number, z.ZodType | string>;
}
