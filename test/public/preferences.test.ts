import { beforeEach, expect, it } from 'vitest';
import { createSigner } from '../../src/auth/signing.ts';
import { preferencesUrl } from '../../src/public/links.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { snapshotSubscriberTables } from '../helpers/subscribers.ts';

describeEachDatabase('preference centre', (database) => {
  let subscriberId = '';

  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'Monthly newsletter', slug: 'monthly' } });
    await request('POST', '/api/lists', { json: { name: 'Forum news', slug: 'forum' } });
    await request('POST', '/api/lists', { json: { name: 'Staff only', slug: 'internal', visibility: 'private' } });
    await request('POST', '/api/topics', { json: { name: 'Open data', slug: 'open-data' } });
    const subscriber = await (
      await request('POST', '/api/subscribers', {
        json: { email: 'jane@example.org', name: 'Jane', lists: ['monthly', 'internal'], attributes: { country: 'Chile' } },
      })
    ).json();
    subscriberId = subscriber.id;
  });

  async function path() {
    const { deps } = createTestApp(database().db);
    return (await preferencesUrl(deps.signer, deps.config.publicUrl, subscriberId)).replace(deps.config.publicUrl, '');
  }

  function post(form: Record<string, string | string[]>) {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(form)) {
      for (const item of Array.isArray(value) ? value : [value]) body.append(key, item);
    }
    return body.toString();
  }

  async function submit(form: Record<string, string | string[]>) {
    const { request } = createTestApp(database().db);
    return request('POST', await path(), {
      token: null,
      body: post(form),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
  }

  async function subscriber() {
    const { request } = createTestApp(database().db);
    return (await request('GET', `/api/subscribers/${subscriberId}`)).json();
  }

  it('shows the form on GET and changes nothing', async () => {
    const { request } = createTestApp(database().db);
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('GET', await path(), { token: null });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body).toContain('value="Jane"');
    expect(body).toContain('Forum news');
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('never shows a private list', async () => {
    const { request } = createTestApp(database().db);
    const body = await (await request('GET', await path(), { token: null })).text();
    expect(body).not.toContain('Staff only');
  });

  it('saves name, attributes, lists and topics', async () => {
    const response = await submit({
      action: 'save',
      name: 'Jane Roe',
      country: 'Peru',
      organisation: 'Ministry of Finance',
      organisationType: 'government',
      lists: ['forum'],
      topics: ['open-data'],
    });
    expect(response.status).toBe(200);
    const saved = await subscriber();
    expect(saved.name).toBe('Jane Roe');
    expect(saved.attributes).toEqual({ country: 'Peru', organisation: 'Ministry of Finance', organisationType: 'government' });
    expect(saved.subscriptions).toEqual([
      { list: 'forum', status: 'confirmed' },
      { list: 'internal', status: 'confirmed' },
      { list: 'monthly', status: 'unsubscribed' },
    ]);
    expect(saved.topics).toEqual(['open-data']);
  });

  it('logs a preference change with its lists', async () => {
    await submit({ action: 'save', name: 'Jane', lists: ['monthly', 'forum'] });
    const rows = await database()
      .db.selectFrom('consent_log')
      .select(['action', 'source', 'lists'])
      .where('subscriber_id', '=', subscriberId)
      .where('action', 'in', ['preferences_changed', 'subscribed'])
      .where('source', '=', 'page')
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { action: 'preferences_changed', source: 'page', lists: [] },
      { action: 'subscribed', source: 'page', lists: ['forum'] },
    ]);
  });

  it('rejects an unknown organisation type and changes nothing', async () => {
    const before = await snapshotSubscriberTables(database().db);
    const response = await submit({ action: 'save', name: 'Jane', organisationType: 'pirates', lists: ['monthly'] });
    expect(response.status).toBe(422);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('saves a time zone in its canonical spelling and shows it chosen', async () => {
    const response = await submit({ action: 'save', name: 'Jane', country: 'Chile', timeZone: 'asia/seoul', lists: ['monthly'] });
    expect(response.status).toBe(200);
    expect((await subscriber()).attributes).toEqual({ country: 'Chile', timeZone: 'Asia/Seoul' });
    const { request } = createTestApp(database().db);
    const page = await (await request('GET', await path(), { token: null })).text();
    expect(page).toContain('<option value="Asia/Seoul" selected>Asia/Seoul</option>');
  });

  it('rejects an unknown time zone with its name and changes nothing', async () => {
    const before = await snapshotSubscriberTables(database().db);
    const response = await submit({ action: 'save', name: 'Jane', timeZone: 'Mars/Olympus', lists: ['monthly'] });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Time zone: &quot;Mars/Olympus&quot; is not an IANA time zone; use a name such as Europe/Paris or Asia/Seoul');
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('unsubscribes from every list', async () => {
    await submit({ action: 'unsubscribe_all' });
    const saved = await subscriber();
    expect(saved.subscriptions.map((s: { status: string }) => s.status)).toEqual(['unsubscribed', 'unsubscribed']);
  });

  it('downloads the data as JSON', async () => {
    const response = await submit({ action: 'download' });
    expect(response.headers.get('content-disposition')).toContain('attachment');
    const data = await response.json();
    expect(data.subscriber.email).toBe('jane@example.org');
    expect(data.consent.length).toBeGreaterThan(0);
  });

  it('asks for confirmation before erasing', async () => {
    const response = await submit({ action: 'erase' });
    expect(response.status).toBe(422);
    expect((await subscriber()).email).toBe('jane@example.org');
  });

  it('erases the data and keeps only a hash', async () => {
    const response = await submit({ action: 'erase', confirmErase: 'yes' });
    expect([response.status, (await response.text()).includes('Your data is erased')]).toEqual([200, true]);
    const rows = await database().db.selectFrom('subscribers').select('id').execute();
    expect(rows).toEqual([]);
    const suppression = await database().db.selectFrom('suppressions').select(['email', 'reason']).executeTakeFirstOrThrow();
    expect(suppression).toEqual({ email: null, reason: 'erased' });
  });

  it('rejects a token signed with another key with a 400 page', async () => {
    const { request } = createTestApp(database().db);
    const other = createSigner('another-secret-key-0123456789abcdef0123456789');
    const forged = await preferencesUrl(other, '', subscriberId);
    const response = await request('GET', forged, { token: null });
    expect([response.status, (await response.text()).includes('This link is not valid')]).toEqual([400, true]);
  });
});
