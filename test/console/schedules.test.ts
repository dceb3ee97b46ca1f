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
});
