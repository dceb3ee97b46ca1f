import { beforeAll, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { seedAudience } from './setup.ts';

type Issue = { path: string; message: string };
type ErrorBody = { error: { code: string; message: string; details?: Issue[] } };
type ScheduleBody = {
  id: string;
  digestId: string;
  name: string;
  cron: string;
  timezone: string;
  missedFire: string;
  maxLatenessMinutes: number;
  nextRuns: string[];
  digest: { id: string; subject: string; lists: string[]; skipWhenEmpty: boolean; autoSend: boolean; compose: { eventsWithinDays: number } };
};

const NOW = new Date('2026-12-20T00:00:00Z');

describeEachDatabase('digest and schedule routes', (database) => {
  let request: ReturnType<typeof createTestApp>['request'];

  beforeAll(async () => {
    await database().reset();
    await seedAudience(database().db);
    request = createTestApp(database().db, { now: () => NOW }).request;
  });

  it('schedule with an inline digest', async () => {
    const response = await request('POST', '/api/schedules', {
      json: {
        name: 'Governance Innovation Monthly',
        cron: '0 9 * * 1#1',
        timezone: 'Asia/Seoul',
        lists: ['monthly'],
        subject: 'Governance Innovation Monthly: {month}',
        compose: { eventsWithinDays: 45, maxItemsPerSection: 5 },
        skipWhenEmpty: true,
        autoSend: false,
        missedFire: 'catchUp',
        maxLatenessMinutes: 120,
      },
    });
    const body = (await response.json()) as ScheduleBody;
    expect(response.status).toBe(201);
    expect(body.cron).toBe('0 9 * * 1#1');
    expect(body.missedFire).toBe('catchUp');
    expect(body.maxLatenessMinutes).toBe(120);
    expect(body.nextRuns.slice(0, 2)).toEqual(['2027-01-04T00:00:00.000Z', '2027-02-01T00:00:00.000Z']);
    expect(body.digest.lists).toEqual(['monthly']);
    expect(body.digest.compose.eventsWithinDays).toBe(45);
    expect(body.digest.autoSend).toBe(false);
  });

  it('schedule for an existing digest', async () => {
    const digest = await request('POST', '/api/digests', {
      json: { name: 'Weekly publications', lists: ['monthly'], subject: 'New publications, {date}', compose: { topics: ['open-data'] } },
    });
    expect(digest.status).toBe(201);
    const { id } = (await digest.json()) as { id: string };

    const response = await request('POST', '/api/schedules', { json: { digest: id, cron: '0 8 * * 1', timezone: 'Europe/Berlin' } });
    const body = (await response.json()) as ScheduleBody;
    expect(response.status).toBe(201);
    expect(body.digestId).toBe(id);
    expect(body.name).toBe('Weekly publications');
    expect(body.nextRuns[0]).toBe('2026-12-21T07:00:00.000Z');

    const next = await request('GET', `/api/schedules/${body.id}/next?count=3`);
    expect(((await next.json()) as { items: string[] }).items).toEqual([
      '2026-12-21T07:00:00.000Z',
      '2026-12-28T07:00:00.000Z',
      '2027-01-04T07:00:00.000Z',
    ]);
  });

  it('invalid cron answers 422 naming cron', async () => {
    const response = await request('POST', '/api/schedules', {
      json: { name: 'Broken', cron: '0 9 * *', timezone: 'UTC', lists: ['monthly'], subject: 'x' },
    });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(422);
    expect(body.error.details?.[0]?.path).toBe('cron');
    expect(body.error.message).toMatch(/expected five/);
  });

  it('unknown time zone answers 422 naming timezone', async () => {
    const response = await request('POST', '/api/schedules', {
      json: { name: 'Broken zone', cron: '0 9 * * 1', timezone: 'Europe/Atlantis', lists: ['monthly'], subject: 'x' },
    });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(422);
    expect(body.error.details?.[0]?.path).toBe('timezone');
  });

  it('digest with unknown list and placeholder answers 422', async () => {
    const response = await request('POST', '/api/digests', {
      json: { name: 'Bad digest', lists: ['nope'], subject: 'Digest {week}', compose: { topics: ['missing-topic'] } },
    });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(422);
    expect(body.error.details?.map((issue) => issue.path)).toEqual(['lists.0', 'compose.topics.0', 'subject']);
  });

  it('digest with an unknown layout answers 422', async () => {
    const response = await request('POST', '/api/digests', { json: { name: 'Laid out', lists: ['monthly'], subject: 'x', layoutId: '999' } });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(422);
    expect(body.error.details?.map((issue) => issue.path)).toEqual(['layoutId']);
  });

  it('digest without an audience answers 422', async () => {
    const response = await request('POST', '/api/digests', { json: { name: 'Nobody', subject: 'x' } });
    expect(response.status).toBe(422);
  });

  it('changing the cron restarts the schedule', async () => {
    const created = await request('POST', '/api/schedules', {
      json: { name: 'Daily', cron: '0 6 * * *', timezone: 'UTC', lists: ['monthly'], subject: 'Daily {date}' },
    });
    const { id } = (await created.json()) as ScheduleBody;
    const patched = await request('PATCH', `/api/schedules/${id}`, { json: { cron: '0 7 * * *', missedFire: 'skip' } });
    const body = (await patched.json()) as ScheduleBody;
    expect(patched.status).toBe(200);
    expect(body.cron).toBe('0 7 * * *');
    expect(body.missedFire).toBe('skip');
    expect(body.nextRuns[0]).toBe('2026-12-20T07:00:00.000Z');
  });

  it('digest patch, list, delete', async () => {
    const created = await request('POST', '/api/digests', { json: { name: 'Temporary digest', lists: ['monthly'], subject: 'T' } });
    const { id } = (await created.json()) as { id: string };
    const patched = await request('PATCH', `/api/digests/${id}`, { json: { autoSend: true, compose: { order: 'oldest' } } });
    const body = (await patched.json()) as { autoSend: boolean; compose: { order: string }; lists: string[] };
    expect(body.autoSend).toBe(true);
    expect(body.compose.order).toBe('oldest');
    expect(body.lists).toEqual(['monthly']);

    const list = await request('GET', '/api/digests');
    expect(((await list.json()) as { total: number }).total).toBeGreaterThanOrEqual(2);
    expect((await request('DELETE', `/api/digests/${id}`)).status).toBe(204);
    expect((await request('GET', `/api/digests/${id}`)).status).toBe(404);
  });

  it('fire history of a new schedule is empty', async () => {
    const list = (await (await request('GET', '/api/schedules')).json()) as { items: ScheduleBody[] };
    const response = await request('GET', `/api/schedules/${list.items[0]!.id}/fires`);
    expect(await response.json()).toEqual({ items: [], total: 0, page: 1, pageSize: 50 });
  });
});
