import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { Deps } from '../../src/deps.ts';
import { suppressionOf } from '../../src/feedback/suppressions.ts';
import type { AppEnv } from '../../src/http/context.ts';
import type { InlineQueue } from '../../src/jobs/queue.ts';
import { createList, createTopic } from '../../src/lists/lists.ts';
import { createImport } from '../../src/subscribers/imports.ts';
import { createSubscriber, getSubscriber, type Subscriber } from '../../src/subscribers/subscribers.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

describeEachDatabase('console subscribers', (database) => {
  let app: Hono<AppEnv>;
  let deps: Deps & { jobs: InlineQueue };
  let editor: TestStaff;
  let viewer: TestStaff;
  let ada: Subscriber;
  let grace: Subscriber;

  beforeEach(async () => {
    await database().reset();
    const built = createTestApp(database().db);
    app = built.app;
    deps = built.deps;
    editor = await signedInStaff(deps, 'editor');
    viewer = await signedInStaff(deps, 'viewer');
    await createList(deps.db, { slug: 'news', name: 'Newsletter' });
    await createList(deps.db, { slug: 'events', name: 'Event alerts' });
    await createTopic(deps.db, { slug: 'open-data', name: 'Open data' });
    await createTopic(deps.db, { slug: 'budgets', name: 'Budgets' });
    const staff = { source: 'staff' as const, actor: 'seed' };
    ada = await createSubscriber(deps, { email: 'ada@example.org', name: 'Ada Lovelace', lists: ['news', 'events'], topics: ['open-data'], attributes: { country: 'KR', organisation: 'Analytical Society' } }, staff);
    grace = await createSubscriber(deps, { email: 'grace@example.net', name: 'Grace Hopper', lists: ['events'], topics: ['budgets'], attributes: { country: 'FR' } }, staff);
  });

  function get(path: string, staff: TestStaff = editor) {
    return app.request(path, { headers: { cookie: staff.cookie } });
  }

  function post(path: string, values: Record<string, string | string[]>, staff: TestStaff = editor) {
    return app.request(path, {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody(values, staff.csrf),
    });
  }

  function upload(csv: string, options: Record<string, string>) {
    const form = new FormData();
    form.set('_csrf', editor.csrf);
    for (const [key, value] of Object.entries(options)) form.set(key, value);
    form.set('file', new File([csv], 'people.csv', { type: 'text/csv' }));
    return app.request('/console/subscribers/import', { method: 'POST', headers: { cookie: editor.cookie }, body: form });
  }

  it('search matches address or name', async () => {
    const byAddress = await (await get('/console/subscribers?q=example.net')).text();
    expect(byAddress).toContain('grace@example.net');
    expect(byAddress).not.toContain('ada@example.org');

    const byName = await (await get('/console/subscribers?q=lovelace')).text();
    expect(byName).toContain('ada@example.org');
    expect(byName).not.toContain('grace@example.net');
  });

  it('filters narrow by list, status, country and topic', async () => {
    const onNews = await (await get('/console/subscribers?list=news&status=confirmed')).text();
    expect(onNews).toContain('ada@example.org');
    expect(onNews).not.toContain('grace@example.net');

    const inFrance = await (await get('/console/subscribers?country=FR')).text();
    expect(inFrance).toContain('grace@example.net');
    expect(inFrance).not.toContain('ada@example.org');

    const budgets = await (await get('/console/subscribers?topic=budgets')).text();
    expect(budgets).toContain('grace@example.net');
    expect(budgets).not.toContain('ada@example.org');
  });

  it('search without match shows empty state', async () => {
    const response = await get('/console/subscribers?q=nobody-here');
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('No subscriber matches these filters');
    expect(html).toContain('clear the filters');
  });

  it('unknown topic filter answers 422 naming it', async () => {
    const response = await get('/console/subscribers?topic=no-such-topic');
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('no-such-topic');
  });

  it('empty database shows first steps', async () => {
    await database().db.deleteFrom('subscribers').execute();
    const html = await (await get('/console/subscribers')).text();
    expect(html).toContain('No subscribers yet');
    expect(html).toContain('href="/console/subscribers/import"');
  });

  it('detail shows attributes, lists, topics and consent', async () => {
    const response = await get(`/console/subscribers/${ada.id}`);
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain('Analytical Society');
    expect(html).toContain('Newsletter');
    expect(html).toContain('Event alerts');
    expect(html).toContain('Open data');
    expect(html).toContain('Consent history');
    expect(html).toContain('<td>Subscribed</td>');
    expect(html).toContain('Issues sent');
    expect(html).toContain(`action="/console/subscribers/${ada.id}/unsubscribe"`);
  });

  it('unknown subscriber answers 404', async () => {
    const response = await get('/console/subscribers/999999');
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('No subscriber with id 999999');
  });

  it('add form creates a confirmed subscriber', async () => {
    const response = await post('/console/subscribers', {
      email: 'Linus@Example.org',
      name: 'Linus',
      country: 'SE',
      organisationType: 'academia',
      otherAttributes: 'language: sv',
      lists: 'news',
      topics: ['open-data', 'budgets'],
      status: 'active',
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/console\/subscribers\/\d+\?notice=subscriber-created$/);

    const id = /subscribers\/(\d+)/.exec(location)![1]!;
    const saved = await getSubscriber(deps.db, id);
    expect(saved.name).toBe('Linus');
    expect(saved.attributes).toEqual({ country: 'SE', organisationType: 'academia', language: 'sv' });
    expect(saved.subscriptions).toEqual([{ list: 'news', status: 'confirmed' }]);
    expect(saved.topics).toEqual(['budgets', 'open-data']);

    const audit = await deps.db.selectFrom('audit_log').select(['actor', 'action']).where('action', '=', 'POST /console/subscribers').execute();
    expect(audit).toEqual([{ actor: editor.email, action: 'POST /console/subscribers' }]);
  });

  it('add form with a known address answers 422', async () => {
    const response = await post('/console/subscribers', { email: 'ADA@example.org', status: 'active' });
    expect(response.status).toBe(422);
    const html = await response.text();
    expect(html).toContain('A subscriber with this address already exists.');
    expect(html).toContain('href="/console/subscribers?q=ADA%40example.org"');
  });

  it('add form with an invalid address answers 422', async () => {
    const response = await post('/console/subscribers', { email: 'not-an-address', status: 'active' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('email');
    const count = await deps.db.selectFrom('subscribers').select('id').execute();
    expect(count).toHaveLength(2);
  });

  it('edit changes name, attributes, lists and topics', async () => {
    const form = await (await get(`/console/subscribers/${ada.id}/edit`)).text();
    expect(form).toContain('value="Ada Lovelace"');

    const response = await post(`/console/subscribers/${ada.id}`, {
      name: 'Augusta Ada King',
      country: 'GB',
      organisation: '',
      organisationType: 'other',
      otherAttributes: 'language: en\nrole: analyst',
      lists: 'news',
      topics: 'budgets',
      status: 'active',
    });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/console/subscribers/${ada.id}?notice=subscriber-saved`);

    const saved = await getSubscriber(deps.db, ada.id);
    expect(saved.name).toBe('Augusta Ada King');
    expect(saved.attributes).toEqual({ country: 'GB', organisationType: 'other', language: 'en', role: 'analyst' });
    expect(saved.subscriptions).toEqual([
      { list: 'events', status: 'unsubscribed' },
      { list: 'news', status: 'confirmed' },
    ]);
    expect(saved.topics).toEqual(['budgets']);

    const page = await (await get(`/console/subscribers/${ada.id}`)).text();
    expect(page).toContain('Edited by staff');
  });

  it('edit with a malformed attribute line answers 422', async () => {
    const response = await post(`/console/subscribers/${ada.id}`, { name: 'Ada', otherAttributes: 'no colon here', status: 'active' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('line 1, &quot;no colon here&quot;, is not &quot;key: value&quot;');
    expect((await getSubscriber(deps.db, ada.id)).name).toBe('Ada Lovelace');
  });

  it('unsubscribe from one list keeps the others', async () => {
    const response = await post(`/console/subscribers/${ada.id}/unsubscribe`, { list: 'news' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/console/subscribers/${ada.id}?notice=unsubscribed-list`);
    expect((await getSubscriber(deps.db, ada.id)).subscriptions).toEqual([
      { list: 'events', status: 'confirmed' },
      { list: 'news', status: 'unsubscribed' },
    ]);
  });

  it('unsubscribe from all lists', async () => {
    const response = await post(`/console/subscribers/${ada.id}/unsubscribe`, { list: '' });
    expect(response.headers.get('location')).toBe(`/console/subscribers/${ada.id}?notice=unsubscribed`);
    const statuses = (await getSubscriber(deps.db, ada.id)).subscriptions.map((s) => s.status);
    expect(statuses).toEqual(['unsubscribed', 'unsubscribed']);

    const again = await post(`/console/subscribers/${ada.id}/unsubscribe`, { list: '' });
    expect(again.headers.get('location')).toBe(`/console/subscribers/${ada.id}?notice=already-unsubscribed`);
  });

  it('erase page says what is deleted', async () => {
    const html = await (await get(`/console/subscribers/${ada.id}/erase`)).text();
    expect(html).toContain('Erasing cannot be undone');
    expect(html).toContain('the memberships of 2 lists (events, news)');
    expect(html).toContain('keyed hash on the suppression list');
  });

  it('erase without confirmation keeps the subscriber', async () => {
    const response = await post(`/console/subscribers/${ada.id}/erase`, {});
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('tick the box to confirm');
    expect((await getSubscriber(deps.db, ada.id)).email).toBe('ada@example.org');
  });

  it('erase deletes the subscriber and keeps a hash', async () => {
    const response = await post(`/console/subscribers/${ada.id}/erase`, { confirm: 'yes' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/subscribers?notice=erased');
    await expect(getSubscriber(deps.db, ada.id)).rejects.toThrow('No subscriber');
    expect(await suppressionOf(deps.db, deps.signer, 'ada@example.org')).toBe('erased');

    const audit = await deps.db.selectFrom('audit_log').select(['action', 'details']).where('target', '=', `/console/subscribers/${ada.id}/erase`).execute();
    expect(audit).toHaveLength(1);
    expect(JSON.stringify(audit[0]!.details)).not.toContain('ada@example.org');
  });

  it('import reports counts and rejected rows', async () => {
    const csv = 'email,name,country\nnew.one@example.org,New One,KR\nnot-an-address,Broken,FR\ngrace@example.net,Grace Hopper,FR\n';
    const response = await upload(csv, { list: 'news', mode: 'subscribe' });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/console\/subscribers\/imports\/\d+\?notice=import-started$/);
    await deps.jobs.idle();

    const page = await (await get(location)).text();
    expect(page).toContain('The import is finished.');
    expect(page).toMatch(/<dt>Rows read<\/dt><dd>3<\/dd>/);
    expect(page).toMatch(/<dt>New subscribers<\/dt><dd>1<\/dd>/);
    expect(page).toMatch(/<dt>Rejected as invalid<\/dt><dd>1<\/dd>/);
    expect(page).not.toContain('data-poll-url');
    expect(page).not.toContain('http-equiv="refresh"');

    const id = /imports\/(\d+)/.exec(location)![1]!;
    const errors = await get(`/console/subscribers/imports/${id}/errors`);
    expect(errors.status).toBe(200);
    expect(errors.headers.get('content-type')).toContain('text/csv');
    expect(errors.headers.get('content-disposition')).toContain('attachment');
    const lines = (await errors.text()).trim().split('\n');
    expect(lines[0]).toBe('line,email,reason');
    expect(lines[1]).toMatch(/^3,not-an-address,"?invalid email address/);
    expect(lines).toHaveLength(2);

    const onNews = await (await get('/console/subscribers?list=news&status=confirmed')).text();
    expect(onNews).toContain('new.one@example.org');
    expect(onNews).toContain('grace@example.net');
  });

  it('import without a list answers 422', async () => {
    const response = await upload('email\nx@example.org\n', { mode: 'subscribe' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Choose the list to import into');
    expect(await deps.db.selectFrom('imports').select('id').execute()).toEqual([]);
  });

  it('import in progress reloads and polls', async () => {
    const id = await createImport(deps, { list: 'news', mode: 'subscribe', overwrite: false, resubscribe: false, fileName: 'big.csv', createdBy: editor.email });
    const page = await (await get(`/console/subscribers/imports/${id}`)).text();
    expect(page).toContain('<noscript><meta http-equiv="refresh" content="3"/></noscript>');
    expect(page).toContain(`data-poll-url="/console/subscribers/imports/${id}/progress"`);
    expect(page).toContain('<progress id="import-bar"');

    const fragment = await (await get(`/console/subscribers/imports/${id}/progress`)).text();
    expect(fragment.startsWith('<div class="card" id="import-progress"')).toBe(true);

    const list = await (await get('/console/subscribers/import')).text();
    expect(list).toContain('big.csv');
  });

  it('export downloads the filtered subscribers', async () => {
    const response = await get('/console/subscribers/export?country=FR');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/csv');
    const lines = (await response.text()).trim().split('\n');
    expect(lines[0]).toMatch(/^email,name,status/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^grace@example.net,Grace Hopper,active/);

    const all = (await (await get('/console/subscribers/export')).text()).trim().split('\n');
    expect(all).toHaveLength(3);
  });

  it('list page links export to the current filters', async () => {
    const html = await (await get('/console/subscribers?q=grace&topic=budgets')).text();
    expect(html).toContain('href="/console/subscribers/export?q=grace&amp;topic=budgets"');
  });

  it('viewer reads but cannot change', async () => {
    const page = await get(`/console/subscribers/${ada.id}`, viewer);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).not.toContain(`href="/console/subscribers/${ada.id}/edit"`);
    expect(html).not.toContain('/unsubscribe"');

    const edit = await post(`/console/subscribers/${ada.id}`, { name: 'Changed by a viewer', status: 'active' }, viewer);
    expect(edit.status).toBe(403);
    expect(await edit.text()).toContain('This needs the editor role');
    expect((await getSubscriber(deps.db, ada.id)).name).toBe('Ada Lovelace');

    const erase = await post(`/console/subscribers/${ada.id}/erase`, { confirm: 'yes' }, viewer);
    expect(erase.status).toBe(403);
    expect((await getSubscriber(deps.db, ada.id)).email).toBe('ada@example.org');
  });

  it('form without csrf token answers 403', async () => {
    const response = await app.request(`/console/subscribers/${grace.id}/erase`, {
      method: 'POST',
      headers: { cookie: editor.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({ confirm: 'yes' }, null),
    });
    expect(response.status).toBe(403);
    expect((await getSubscriber(deps.db, grace.id)).email).toBe('grace@example.net');
  });
});
