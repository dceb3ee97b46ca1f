/**
 * Every documented route, in one list: the OpenAPI document is built from it and a test checks
 * it against the app's route table. Each domain adds its route module's `RouteDoc[]` below.
 */
import { z } from 'zod';
import type { RouteDoc } from './route-doc.ts';

const status = z.object({ status: z.string() });

/** The routes `src/app.ts` defines itself: health, readiness and this description. */
export const coreRouteDocs: RouteDoc[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'The process is alive and serving requests',
    tag: 'operations',
    access: 'public',
    responses: { 200: status },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'The database answers and every migration has run',
    tag: 'operations',
    access: 'public',
    responses: {
      200: status,
      503: z.object({ status: z.enum(['migrations_pending', 'database_unreachable']), pending: z.array(z.string()).optional() }),
    },
  },
  {
    method: 'get',
    path: '/api/openapi.json',
    summary: 'This API description (OpenAPI 3.1)',
    tag: 'operations',
    access: 'public',
    responses: { 200: 'The OpenAPI document' },
  },
  {
    method: 'get',
    path: '/api/docs',
    summary: 'A browsable page of this API description',
    tag: 'operations',
    access: 'public',
    responses: { 200: 'An HTML page' },
  },
];

export const routeDocs: RouteDoc[] = [
  ...coreRouteDocs,
  // Domain route docs, one line each.
];
