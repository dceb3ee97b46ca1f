import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

describeEachDatabase('console lists and topics', (database) => {
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

  function post(path: string, values: Record<string, string | string[]>, staff = editor) {
    return app.request(path, {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(values, staff.csrf),
    });
  }

  async function page(path: string, staff = editor): Promise<string> {
    const response = await app.request(path, { headers: { cookie: staff.cookie } });
    expect(response.status).toBe(200);
    return response.text();
  }

  /** Creates a list with four subscriptions (two confirmed, one unconfirmed, one unsubscribed) and a topic one subscriber follows. */
  async function seedMemberships(): Promise<{ listId: string; topicId: string }> {
    const db = database().db;
    const list = await db.insertInto('lists').values({ slug: 'monthly', name: 'Monthly newsletter' }).returning('id').executeTakeFirstOrThrow();
    const topic = await db.insertInto('topics').values({ slug: 'open-data', name: 'Open data' }).returning('id').executeTakeFirstOrThrow();
    const statuses = ['confirmed', 'confirmed', 'unconfirmed', 'unsubscribed'] as const;
    for (const [index, status] of statuses.entries()) {
      const subscriber = await db.insertInto('subscribers').values({ email: `reader${index}@example.org` }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('subscriptions').values({ subscriber_id: subscriber.id, list_id: list.id, status }).execute();
      if (index === 0) await db.insertInto('subscriber_topics').values({ subscriber_id: subscriber.id, topic_id: topic.id }).execute();
    }
    return { listId: list.id, topicId: topic.id };
  }

  it('empty page explains what to do', async () => {
    const html = await page('/console/lists');
    expect(html).toContain('No lists yet');
    expect(html).toContain('No topics yet');
    expect(html).toContain('Create list');
  });

  it('viewer sees no forms', async () => {
    await seedMemberships();
    const html = await page('/console/lists', viewer);
    expect(html).toContain('Monthly newsletter');
    expect(html).not.toContain('Create list');
    expect(html).not.toContain('Create topic');
  });

  it('overview counts subscriptions by status', async () => {
    await seedMemberships();
    const html = await page('/console/lists');
    const row = /<tr><td><a href="\/console\/lists\/\d+">Monthly newsletter<\/a>[\s\S]*?<\/tr>/.exec(html)?.[0] ?? '';
    expect(row).toMatch(/<td class="num">2<\/td><td class="num">1<\/td><td class="num">1<\/td>/);
    expect(html).toMatch(/<code>open-data<\/code><\/td><td class="num">1<\/td>/);
  });

  it('form creates a list', async () => {
    const response = await post('/console/lists', { name: 'Events', slug: 'events', description: 'Upcoming events', optIn: 'double', visibility: 'private' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/console\/lists\/\d+\?notice=created$/);
    const row = await database().db.selectFrom('lists').selectAll().where('slug', '=', 'events').executeTakeFirstOrThrow();
    expect(row.name).toBe('Events');
    expect(row.description).toBe('Upcoming events');
    expect(row.opt_in).toBe('double');
    expect(row.visibility).toBe('private');
    expect(await page(location)).toContain('List: Events');
  });

  it('invalid slug answers 422 naming it', async () => {
    const response = await post('/console/lists', { name: 'Events', slug: 'Events & more', optIn: 'single', visibility: 'public' });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('The list is invalid: slug');
    expect(html).toContain('value="Events &amp; more"');
    expect(await database().db.selectFrom('lists').select('id').execute()).toEqual([]);
  });

  it('taken slug answers 409', async () => {
    await seedMemberships();
    const response = await post('/console/lists', { name: 'Another', slug: 'monthly' });
    expect(response.status).toBe(409);
    expect(await response.text()).toContain('A list with the slug &quot;monthly&quot; already exists. Pick another slug.');
  });

  it('edit changes opt-in and keeps the slug', async () => {
    const { listId } = await seedMemberships();
    const response = await post(`/console/lists/${listId}`, { name: 'Monthly news', description: 'Once a month', optIn: 'double', visibility: 'public', slug: 'renamed' });
    expect(response.status).toBe(303);
    const row = await database().db.selectFrom('lists').selectAll().where('id', '=', listId).executeTakeFirstOrThrow();
    expect(row.name).toBe('Monthly news');
    expect(row.slug).toBe('monthly');
    expect(row.opt_in).toBe('double');
    expect(row.description).toBe('Once a month');
  });

  it('edit with an empty name answers 422', async () => {
    const { listId } = await seedMemberships();
    const response = await post(`/console/lists/${listId}`, { name: '', optIn: 'single', visibility: 'public' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('The list is invalid: name');
    const row = await database().db.selectFrom('lists').select('name').where('id', '=', listId).executeTakeFirstOrThrow();
    expect(row.name).toBe('Monthly newsletter');
  });

  it('delete confirmation states the memberships', async () => {
    const { listId } = await seedMemberships();
    await database()
      .db.insertInto('campaigns')
      .values({ subject: 'March issue', audience: JSON.stringify({ lists: ['monthly'] }), compose: {}, series: 'default' })
      .execute();
    const html = await page(`/console/lists/${listId}/delete`);
    expect(html).toContain('<strong>4 memberships</strong>');
    expect(html).toContain('2 confirmed, 1 unconfirmed and 1 unsubscribed');
    expect(html).toContain('The subscribers themselves stay');
    expect(html).toContain('March issue');
    expect(html).toContain('Delete the list and its 4 memberships');
  });

  it('delete removes memberships but keeps subscribers', async () => {
    const { listId } = await seedMemberships();
    const response = await post(`/console/lists/${listId}/delete`, {});
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/lists?notice=list-deleted');
    const db = database().db;
    expect(await db.selectFrom('lists').select('id').execute()).toEqual([]);
    expect(await db.selectFrom('subscriptions').select('list_id').execute()).toEqual([]);
    expect((await db.selectFrom('subscribers').select('id').execute()).length).toBe(4);
    const audit = await db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'POST /console/lists/:id{[0-9]+}/delete').execute();
    expect(audit.length).toBe(1);
  });

  it('viewer cannot delete a list', async () => {
    const { listId } = await seedMemberships();
    const response = await post(`/console/lists/${listId}/delete`, {}, viewer);
    expect(response.status).toBe(403);
    expect((await database().db.selectFrom('lists').select('id').execute()).length).toBe(1);
  });

  it('unknown list answers 404', async () => {
    const response = await app.request('/console/lists/999999', { headers: { cookie: editor.cookie } });
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('No list with id 999999.');
  });

  it('form creates a topic', async () => {
    const response = await post('/console/lists/topics', { name: 'Open data', slug: 'open-data' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toMatch(/^\/console\/lists\/topics\/\d+\?notice=created$/);
    const row = await database().db.selectFrom('topics').select(['name', 'slug']).executeTakeFirstOrThrow();
    expect(row).toEqual({ name: 'Open data', slug: 'open-data' });
  });

  it('topic rename keeps the slug', async () => {
    const { topicId } = await seedMemberships();
    const response = await post(`/console/lists/topics/${topicId}`, { name: 'Open government data', slug: 'other' });
    expect(response.status).toBe(303);
    const row = await database().db.selectFrom('topics').select(['name', 'slug']).executeTakeFirstOrThrow();
    expect(row).toEqual({ name: 'Open government data', slug: 'open-data' });
  });

  it('topic delete confirms and removes followers', async () => {
    const { topicId } = await seedMemberships();
    const html = await page(`/console/lists/topics/${topicId}/delete`);
    expect(html).toContain('<strong>1 subscriber</strong>');
    const response = await post(`/console/lists/topics/${topicId}/delete`, {});
    expect(response.status).toBe(303);
    const db = database().db;
    expect(await db.selectFrom('topics').select('id').execute()).toEqual([]);
    expect(await db.selectFrom('subscriber_topics').select('topic_id').execute()).toEqual([]);
    expect((await db.selectFrom('subscribers').select('id').execute()).length).toBe(4);
  });
});
