/**
 * Staff API for recurring digests: `/api/digests` (what a digest is made of) and
 * `/api/schedules` (when it runs, its next runs and its fire history).
 */
import { Hono } from 'hono';
import { z } from 'zod';
import type { AppEnv } from '../http/context.ts';
import { pageQuery } from '../http/pagination.ts';
import type { RouteDoc } from '../http/route-doc.ts';
import { readJson, readQuery, validate } from '../http/validate.ts';
import { createDigest, deleteDigest, getDigest, listDigests, updateDigest, type DigestInput } from './digests.ts';
import { createScheduleSchema, createDigestSchema, updateDigestSchema, updateScheduleSchema } from './schemas.ts';
import { BadRequestError } from '../errors.ts';
import { isValidTimeZone } from './cron.ts';
import { runDigest } from './run.ts';
import { listNotifications, markNotificationRead } from './notifications.ts';
import { createSchedule, deleteSchedule, getSchedule, listFires, listSchedules, nextRuns, updateSchedule } from './schedules.ts';

const listQuery = z.object(pageQuery);
const runBody = z.object({
  timezone: z.string().refine(isValidTimeZone, 'expected an IANA time zone such as Asia/Seoul').optional(),
});
const scheduleListQuery = z.object({ ...pageQuery, digest: z.string().optional() });
const nextQuery = z.object({ count: z.coerce.number().int().min(1, 'expected at least 1').max(100, 'expected at most 100').default(10) });

export function digestRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const query = readQuery(c, listQuery);
    return c.json(await listDigests(c.var.deps.db, query.page, query.pageSize));
  });

  app.post('/', async (c) => {
    const body = await readJson(c, createDigestSchema);
    return c.json(await createDigest(c.var.deps.db, body as DigestInput, c.var.staff?.name), 201);
  });

  app.get('/:id', async (c) => c.json(await getDigest(c.var.deps.db, c.req.param('id'))));

  app.patch('/:id', async (c) => {
    const body = await readJson(c, updateDigestSchema);
    return c.json(await updateDigest(c.var.deps.db, c.req.param('id'), body as Partial<DigestInput>, c.var.staff?.name));
  });

  app.delete('/:id', async (c) => {
    await deleteDigest(c.var.deps.db, c.req.param('id'), c.var.staff?.name);
    return c.body(null, 204);
  });

  // Runs the digest now, as a fire would: a draft to approve, an issue handed to the send
  // workers, or nothing when the window is empty and the digest skips empty runs.
  app.post('/:id/run', async (c) => {
    const text = await c.req.text();
    let parsed: unknown = {};
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        throw new BadRequestError(`The request body is not valid JSON: ${(error as Error).message}`);
      }
    }
    const body = validate(runBody, parsed);
    return c.json(await runDigest(c.var.deps, c.req.param('id'), { timeZone: body.timezone }), 201);
  });

  return app;
}

export function scheduleRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const query = readQuery(c, scheduleListQuery);
    return c.json(await listSchedules(c.var.deps.db, c.var.deps.now(), query));
  });

  app.post('/', async (c) => {
    const body = await readJson(c, createScheduleSchema);
    const { digest, cron, timezone, missedFire, maxLatenessMinutes, enabled, ...digestFields } = body;
    const schedule = await createSchedule(
      c.var.deps.db,
      {
        digest,
        digestInput: digest === undefined ? (digestFields as DigestInput) : undefined,
        name: digestFields.name,
        cron,
        timezone,
        missedFire,
        maxLatenessMinutes,
        enabled,
      },
      c.var.deps.now(),
      c.var.staff?.name,
    );
    return c.json(schedule, 201);
  });

  app.get('/:id', async (c) => c.json(await getSchedule(c.var.deps.db, c.req.param('id'), c.var.deps.now())));

  app.patch('/:id', async (c) => {
    const body = await readJson(c, updateScheduleSchema);
    return c.json(await updateSchedule(c.var.deps.db, c.req.param('id'), body, c.var.deps.now(), c.var.staff?.name));
  });

  app.delete('/:id', async (c) => {
    await deleteSchedule(c.var.deps.db, c.req.param('id'), c.var.staff?.name);
    return c.body(null, 204);
  });

  app.get('/:id/next', async (c) => {
    const query = readQuery(c, nextQuery);
    return c.json({ items: await nextRuns(c.var.deps.db, c.req.param('id'), c.var.deps.now(), query.count) });
  });

  app.get('/:id/fires', async (c) => {
    const query = readQuery(c, listQuery);
    return c.json(await listFires(c.var.deps.db, c.req.param('id'), query.page, query.pageSize));
  });

  return app;
}

const notificationQuery = z.object({ ...pageQuery, unread: z.enum(['true', 'false']).optional() });

/** Notifications for editors: digest runs waiting for approval and runs that failed. */
export function notificationRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();

  app.get('/', async (c) => {
    const query = readQuery(c, notificationQuery);
    return c.json(await listNotifications(c.var.deps.db, { ...query, unread: query.unread === 'true' }));
  });

  app.post('/:id/read', async (c) => {
    await markNotificationRead(c.var.deps.db, c.req.param('id'), c.var.deps.now());
    return c.body(null, 204);
  });

  return app;
}

const digestTag = 'digests';
const scheduleTag = 'schedules';

export const digestRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/digests', summary: 'List digests', tag: digestTag, access: 'staff', query: listQuery },
  {
    method: 'post',
    path: '/api/digests',
    summary: 'Create a digest: audience, topics, subject pattern, what to include, auto-send or draft',
    tag: digestTag,
    access: 'editor',
    body: createDigestSchema,
    responses: { 201: 'the digest', 409: 'a digest with this name exists', 422: 'invalid digest, with the path of each issue' },
  },
  { method: 'get', path: '/api/digests/{id}', summary: 'Read a digest', tag: digestTag, access: 'staff' },
  { method: 'patch', path: '/api/digests/{id}', summary: 'Change a digest', tag: digestTag, access: 'editor', body: updateDigestSchema },
  { method: 'delete', path: '/api/digests/{id}', summary: 'Delete a digest and its schedules', tag: digestTag, access: 'editor', responses: { 204: 'deleted' } },
  {
    method: 'post',
    path: '/api/digests/{id}/run',
    summary: 'Run a digest now: a draft to approve, an issue handed to the send workers, or nothing when empty',
    tag: digestTag,
    access: 'editor',
    body: runBody,
    responses: { 201: 'the run: status (scheduled, draft or skipped_empty), campaignId, subject, itemCount' },
  },
];

export const notificationRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/notifications', summary: 'Notifications for editors, newest first', tag: digestTag, access: 'staff', query: notificationQuery },
  { method: 'post', path: '/api/notifications/{id}/read', summary: 'Mark a notification read', tag: digestTag, access: 'editor', responses: { 204: 'marked read' } },
];

export const scheduleRouteDocs: RouteDoc[] = [
  { method: 'get', path: '/api/schedules', summary: 'List schedules with their next runs', tag: scheduleTag, access: 'staff', query: scheduleListQuery },
  {
    method: 'post',
    path: '/api/schedules',
    summary: 'Schedule a digest (by id, or created from the same body) with a cron expression and an IANA zone',
    tag: scheduleTag,
    access: 'editor',
    body: createScheduleSchema,
    responses: { 201: 'the schedule with its next runs', 422: 'invalid cron expression, zone or digest' },
  },
  { method: 'get', path: '/api/schedules/{id}', summary: 'Read a schedule with its next runs and last fire', tag: scheduleTag, access: 'staff' },
  { method: 'patch', path: '/api/schedules/{id}', summary: 'Change a schedule; a new rhythm starts from now', tag: scheduleTag, access: 'editor', body: updateScheduleSchema },
  { method: 'delete', path: '/api/schedules/{id}', summary: 'Delete a schedule', tag: scheduleTag, access: 'editor', responses: { 204: 'deleted' } },
  { method: 'get', path: '/api/schedules/{id}/next', summary: 'The next fire times', tag: scheduleTag, access: 'staff', query: nextQuery },
  { method: 'get', path: '/api/schedules/{id}/fires', summary: 'Fire history, newest first', tag: scheduleTag, access: 'staff', query: listQuery },
];
