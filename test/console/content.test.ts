import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

describeEachDatabase('console content', (database) => {
  let app: Hono<AppEnv>;
  let editor: TestStaff;
  let viewer: TestStaff;

  beforeEach(async () => {
    await database().reset();
    const built = createTestApp(database().db);
    app = built.app;
    editor = await signedInStaff(built.deps, 'editor');
    viewer = await signedInStaff(built.deps, 'viewer');
  });

  function post(path: string, values: Record<string, string | string[]>) {
    return app.request(path, {
      method: 'POST',
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(values, editor.csrf),
    });
  }

  const event = {
    kind: 'event',
    title: 'Regional Forum on Open Government',
    url: 'https://events.example.org/forum-2027',
    summary: 'Two days on open data.',
    timezone: 'Asia/Seoul',
    startsAt: '2027-03-10T09:00',
    endsAt: '2027-03-11T17:00',
    city: 'Seoul',
    country: 'KR',
    topics: 'open-data, digital-government',
  };

  it('event form stores the wall-clock time in its zone', async () => {
    const response = await post('/console/content', event);
    expect(response.status).toBe(303);
    const row = await database().db.selectFrom('content_items').selectAll().executeTakeFirstOrThrow();
    expect(row.title).toBe(event.title);
    expect(new Date(row.starts_at!).toISOString()).toBe('2027-03-10T00:00:00.000Z');
    expect(row.topics).toEqual(['open-data', 'digital-government']);
    expect(row.source).toBe('console');
  });

  it('event without a start answers 422 naming it', async () => {
    const response = await post('/console/content', { ...event, startsAt: '' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('an event needs a start time');
    expect(await database().db.selectFrom('content_items').select('id').execute()).toEqual([]);
  });

  it('list filters by kind', async () => {
    await post('/console/content', event);
    await post('/console/content', { kind: 'publication', title: 'Trust in Public Institutions 2027', url: 'https://research.example.org/trust', timezone: 'UTC', summary: 'A report.' });
    const events = await (await app.request('/console/content?kind=event', { headers: { cookie: viewer.cookie } })).text();
    expect(events).toContain('Regional Forum on Open Government');
    expect(events).not.toContain('Trust in Public Institutions 2027');
    const publications = await (await app.request('/console/content?kind=publication', { headers: { cookie: viewer.cookie } })).text();
    expect(publications).toContain('Trust in Public Institutions 2027');
  });

  it('edit form changes the title', async () => {
    await post('/console/content', event);
    const { id } = await database().db.selectFrom('content_items').select('id').executeTakeFirstOrThrow();
    const response = await post(`/console/content/${id}`, { ...event, title: 'Regional Forum (moved)' });
    expect(response.status).toBe(303);
    const row = await database().db.selectFrom('content_items').select('title').executeTakeFirstOrThrow();
    expect(row.title).toBe('Regional Forum (moved)');
  });

  it('viewer sees no add form', async () => {
    const html = await (await app.request('/console/content', { headers: { cookie: viewer.cookie } })).text();
    expect(html).toContain('No content yet');
    expect(html).not.toContain('id="add-item"');
  });
});
