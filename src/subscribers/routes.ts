/**
 * `/api/subscribers` and `/api/suppressions`: staff reads and changes.
 */
import { Hono, type Context } from 'hono';
import { z } from 'zod';
import { clientIp } from '../http/client-ip.ts';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery } from '../http/validate.ts';
import { exportSubscribersCsv, exportQuery } from './export.ts';
import { addSuppression, removeSuppression, searchSuppressions } from './suppression-list.ts';
import {
  attributesPatchSchema,
  attributesSchema,
  consentHistory,
  createSubscriber,
  eraseSubscriber,
  getSubscriber,
  searchSubscribers,
  updateSubscriber,
  type ConsentContext,
} from './subscribers.ts';

const slugs = z.array(z.string().trim().min(1, 'expected a list slug'));
const subscriptionStatus = z.enum(['unconfirmed', 'confirmed', 'unsubscribed']);

export const subscriberInput = z.object({
  email: z.string({ message: 'expected an email address' }),
  name: z.string().trim().max(200).optional(),
  lists: slugs.optional(),
  topics: slugs.optional(),
  attributes: attributesSchema.optional(),
  status: z.enum(['active', 'blocklisted']).optional(),
});

export const subscriberPatch = z.object({
  email: z.string().optional(),
  name: z.string().trim().max(200).optional(),
  attributes: attributesPatchSchema.optional(),
  status: z.enum(['active', 'blocklisted']).optional(),
  lists: slugs.optional(),
  subscriptions: z.array(z.object({ list: z.string().min(1), status: subscriptionStatus })).optional(),
  topics: slugs.optional(),
});

export const subscriberQuery = z.object({
  q: z.string().trim().max(200).optional(),
  list: z.string().trim().min(1).optional(),
  status: z.enum(['active', 'blocklisted', 'unconfirmed', 'confirmed', 'unsubscribed']).optional(),
  country: z.string().trim().min(1).max(100).optional(),
  topic: z.string().trim().min(1).optional(),
  ...pageQuery,
});

const suppressionInput = z.object({
  email: z.string({ message: 'expected an email address' }),
  reason: z.enum(['hard_bounce', 'soft_bounces', 'complaint', 'manual']).default('manual'),
  note: z.string().max(500).optional(),
});

const suppressionQuery = z.object({
  q: z.string().trim().max(200).optional(),
  reason: z.enum(['hard_bounce', 'soft_bounces', 'complaint', 'manual', 'erased']).optional(),
  ...pageQuery,
});

const subscriberOutput = z.object({
  id: z.string(),
  email: z.string(),
  displayEmail: z.string(),
  name: z.string(),
  status: z.enum(['active', 'blocklisted', 'erased']),
  attributes: z.record(z.string(), z.unknown()),
  subscriptions: z.array(z.object({ list: z.string(), status: subscriptionStatus })),
  topics: z.array(z.string()),
  createdAt: z.string(),
});

const collection = (item: z.ZodType) =>
  z.object({ items: z.array(item), total: z.number(), page: z.number(), pageSize: z.number() });

export function staffContext(c: Context<AppEnv>): ConsentContext {
  return { source: 'staff', actor: c.var.staff?.name, ip: clientIp(c), userAgent: c.req.header('user-agent') ?? null };
}

export function subscriberRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/subscribers', async (c) => c.json(await searchSubscribers(c.var.deps.db, readQuery(c, subscriberQuery))));
  app.post('/subscribers', async (c) => {
    const input = await readJson(c, subscriberInput);
    return c.json(await createSubscriber(c.var.deps, input, staffContext(c)), 201);
  });
  app.get('/subscribers/export', async (c) => {
    const query = readQuery(c, exportQuery);
    const stream = await exportSubscribersCsv(c.var.deps, query);
    return c.body(stream, 200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="subscribers${query.list ? `-${query.list}` : ''}.csv"`,
    });
  });
  app.get('/subscribers/:id', async (c) => c.json(await getSubscriber(c.var.deps.db, c.req.param('id'))));
  app.patch('/subscribers/:id', async (c) => {
    const input = await readJson(c, subscriberPatch);
    return c.json(await updateSubscriber(c.var.deps, c.req.param('id'), input, staffContext(c)));
  });
  app.delete('/subscribers/:id', async (c) => {
    await eraseSubscriber(c.var.deps, c.req.param('id'), staffContext(c));
    return c.body(null, 204);
  });
  app.get('/subscribers/:id/consent', async (c) => {
    const { page, pageSize } = readQuery(c, z.object(pageQuery));
    return c.json(await consentHistory(c.var.deps.db, c.req.param('id'), page, pageSize));
  });

  app.get('/suppressions', async (c) => c.json(await searchSuppressions(c.var.deps.db, readQuery(c, suppressionQuery))));
  app.post('/suppressions', async (c) => {
    const input = await readJson(c, suppressionInput);
    const result = await addSuppression(c.var.deps, input, staffContext(c));
    return c.json(result.suppression, result.created ? 201 : 200);
  });
  app.delete('/suppressions/:id', async (c) => {
    await removeSuppression(c.var.deps, c.req.param('id'), staffContext(c));
    return c.body(null, 204);
  });
  return app;
}

export const subscriberRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/subscribers', summary: 'Search subscribers', tag: 'subscribers', access: 'staff', query: subscriberQuery, responses: { 200: collection(subscriberOutput), 422: 'unknown list' } },
  { method: 'post', path: '/api/subscribers', summary: 'Add a subscriber (lists given are confirmed)', tag: 'subscribers', access: 'editor', body: subscriberInput, responses: { 201: subscriberOutput, 409: 'address exists', 422: 'invalid input' } },
  { method: 'get', path: '/api/subscribers/export', summary: 'Subscribers as CSV, streamed (a list, or the sendable audience of a list or segment)', tag: 'subscribers', access: 'staff', query: exportQuery, responses: { 200: 'text/csv' } },
  { method: 'get', path: '/api/subscribers/{id}', summary: 'One subscriber', tag: 'subscribers', access: 'staff', responses: { 200: subscriberOutput, 404: 'unknown id' } },
  { method: 'patch', path: '/api/subscribers/{id}', summary: 'Change a subscriber', tag: 'subscribers', access: 'editor', body: subscriberPatch, responses: { 200: subscriberOutput, 404: 'unknown id', 409: 'address exists', 422: 'invalid input' } },
  { method: 'delete', path: '/api/subscribers/{id}', summary: 'Erase a subscriber, keeping only a keyed hash of the address', tag: 'subscribers', access: 'editor', responses: { 204: 'erased', 404: 'unknown id' } },
  { method: 'get', path: '/api/subscribers/{id}/consent', summary: "A subscriber's consent history, newest first", tag: 'subscribers', access: 'staff', query: z.object(pageQuery), responses: { 404: 'unknown id' } },
  { method: 'get', path: '/api/suppressions', summary: 'Search the suppression list', tag: 'suppressions', access: 'staff', query: suppressionQuery },
  { method: 'post', path: '/api/suppressions', summary: 'Suppress an address', tag: 'suppressions', access: 'editor', body: suppressionInput, responses: { 201: 'added', 200: 'already suppressed', 422: 'invalid address' } },
  { method: 'delete', path: '/api/suppressions/{id}', summary: 'Remove a suppression', tag: 'suppressions', access: 'editor', responses: { 204: 'removed', 404: 'unknown id' } },
];
