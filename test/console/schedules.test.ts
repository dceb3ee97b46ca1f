import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

const NOW = new Date('2027-01-15T00:00:00Z');

describeEachDatabase('console schedules', (database) => {
  let app: Hono<AppEnv>;
  let editor: TestStaff;

  beforeEach(async () => {
    await database().reset();
    await database().db.insertInto('lists').values({ slug: 'monthly', name: 'Monthly digest' }).execute();
    const built = createTestApp(database().db, { now: () => NOW });
    app = built.app;
    editor = await signedInStaff(built.deps, 'editor');
  });

  function post(path: string, values: Record<string, string | string[]>) {
    return app.request(path, {
      method: 'POST',
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(values, editor.csrf),
    });
  }

  const schedule = {
    name: 'Monthly digest',
    subject: 'Governance news, {date}',
    cron: '0 9 * * 1#1',
    timezone: 'Asia/Seoul',
    missedFire: 'catchUp',
    skipWhenEmpty: '1',
    lists: 'monthly',
    intent: 'save',
  };

  it('form creates a schedule with its next runs', async () => {
    const response = await post('/console/schedules', schedule);
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/console\/schedules\/\d+/);
    const html = await (await app.request(location, { headers: { cookie: editor.cookie } })).text();
    expect(html).toContain('0 9 * * 1#1');
    // The first Monday of February 2027 at 09:00 in Seoul is 00:00 UTC; the editor reads Paris time.
    expect(html).toContain('datetime="2027-02-01T00:00:00.000Z"');
  });

  it('invalid cron answers 422 naming it', async () => {
    const response = await post('/console/schedules', { ...schedule, cron: 'every monday' });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/cron/i);
    expect(await database().db.selectFrom('schedules').select('id').execute()).toEqual([]);
  });

  it('pause stops the next runs', async () => {
    const created = await post('/console/schedules', schedule);
    const id = /schedules\/(\d+)/.exec(created.headers.get('location') ?? '')![1]!;
    expect((await post(`/console/schedules/${id}/pause`, {})).status).toBe(303);
    const html = await (await app.request(`/console/schedules/${id}`, { headers: { cookie: editor.cookie } })).text();
    expect(html).toContain('none while paused');
  });

  it('digest draft is listed for approval', async () => {
    await database()
      .db.insertInto('campaigns')
      .values({ subject: 'Digest awaiting approval', audience: { lists: ['monthly'] }, compose: {}, series: 'digest:1' })
      .execute();
    const html = await (await app.request('/console/schedules', { headers: { cookie: editor.cookie } })).text();
    expect(html).toContain('Digest awaiting approval');
  });

  async function created(): Promise<string> {
    const response = await post('/console/schedules', schedule);
    return /schedules\/(\d+)/.exec(response.headers.get('location') ?? '')![1]!;
  }

  async function storedSchedule(id: string) {
    return database()
      .db.selectFrom('schedules')
      .innerJoin('digests', 'digests.id', 'schedules.digest_id')
      .select(['schedules.cron', 'schedules.timezone', 'schedules.name', 'digests.subject', 'digests.auto_send', 'digests.audience'])
      .where('schedules.id', '=', id)
      .executeTakeFirstOrThrow();
  }

  it('edit form shows the stored values', async () => {
    const id = await created();
    const html = await (await app.request(`/console/schedules/${id}`, { headers: { cookie: editor.cookie } })).text();
    expect(html).toContain('id="edit-subject" name="subject" type="text" required="" maxlength="300" value="Governance news, {date}"');
    expect(html).toMatch(/<option value="Asia\/Seoul" selected="">/);
    expect(html).toContain('name="lists" value="monthly" checked=""');
  });

  it('edit changes the time and the digest', async () => {
    const id = await created();
    const response = await post(`/console/schedules/${id}`, { ...schedule, cron: '30 8 * * 1', timezone: 'Europe/Paris', subject: 'Weekly news, {date}', autoSend: '1' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/console/schedules/${id}?notice=saved`);
    const row = await storedSchedule(id);
    expect(row.cron).toBe('30 8 * * 1');
    expect(row.timezone).toBe('Europe/Paris');
    expect(row.subject).toBe('Weekly news, {date}');
    expect(row.auto_send).toBe(true);
  });

  it('edit with an invalid cron changes nothing', async () => {
    const id = await created();
    const response = await post(`/console/schedules/${id}`, { ...schedule, cron: 'every monday', subject: 'Changed subject' });
    expect(response.status).toBe(422);
    expect(await response.text()).toMatch(/cron/i);
    const row = await storedSchedule(id);
    expect(row.cron).toBe('0 9 * * 1#1');
    expect(row.subject).toBe('Governance news, {date}');
  });

  it('edit without an audience answers 422', async () => {
    const id = await created();
    const { lists: _lists, ...withoutLists } = schedule;
    const response = await post(`/console/schedules/${id}`, { ...withoutLists, subject: 'Changed subject' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('expected an audience');
    const row = await storedSchedule(id);
    expect(row.subject).toBe('Governance news, {date}');
  });

  it('edit keeps a rule set through the api', async () => {
    const id = await created();
    const rule = { field: 'country', op: 'equals', value: 'FR' };
    const { digest_id } = await database().db.selectFrom('schedules').select('digest_id').where('id', '=', id).executeTakeFirstOrThrow();
    await database()
      .db.updateTable('digests')
      .set({ audience: JSON.stringify({ lists: ['monthly'], rule }) })
      .where('id', '=', digest_id)
      .execute();
    expect((await post(`/console/schedules/${id}`, { ...schedule, subject: 'Kept rule' })).status).toBe(303);
    const row = await storedSchedule(id);
    expect(row.audience).toEqual({ lists: ['monthly'], rule });
  });

  it('delete asks first and removes the digest', async () => {
    const id = await created();
    const confirm = await (await app.request(`/console/schedules/${id}/delete`, { headers: { cookie: editor.cookie } })).text();
    expect(confirm).toContain('Delete the schedule &quot;Monthly digest&quot;?');
    expect(confirm).toContain('Its history of 0 runs is deleted.');
    expect(confirm).toContain('are deleted with it');

    const response = await post(`/console/schedules/${id}/delete`, {});
    expect(response.status).toBe(303);
    expect(await database().db.selectFrom('schedules').select('id').execute()).toEqual([]);
    expect(await database().db.selectFrom('digests').select('id').execute()).toEqual([]);
    // The name is free again for a new schedule.
    expect((await post('/console/schedules', schedule)).status).toBe(303);
  });

  it('viewer cannot edit or delete', async () => {
    const id = await created();
    const viewer = await signedInStaff(createTestApp(database().db, { now: () => NOW }).deps, 'viewer');
    const html = await (await app.request(`/console/schedules/${id}`, { headers: { cookie: viewer.cookie } })).text();
    expect(html).not.toContain('Save changes');
    for (const path of [`/console/schedules/${id}`, `/console/schedules/${id}/delete`]) {
      const response = await app.request(path, {
        method: 'POST',
        headers: { cookie: viewer.cookie, 'content-type': 'application/x-www-form-urlencoded' },
        body: formBody({ ...schedule, cron: '0 7 * * *' }, viewer.csrf),
      });
      expect(response.status).toBe(403);
    }
    expect((await storedSchedule(id)).cron).toBe('0 9 * * 1#1');
  });
});
