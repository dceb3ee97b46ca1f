import { beforeEach, expect, it } from 'vitest';
import { unsubscribeUrl } from '../../src/public/links.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { snapshotSubscriberTables } from '../helpers/subscribers.ts';

describeEachDatabase('unsubscribe', (database) => {
  let subscriberId = '';
  let listIds: Record<string, string> = {};

  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    const monthly = await (await request('POST', '/api/lists', { json: { name: 'Monthly newsletter', slug: 'monthly' } })).json();
    const forum = await (await request('POST', '/api/lists', { json: { name: 'Forum news', slug: 'forum' } })).json();
    listIds = { monthly: monthly.id, forum: forum.id };
    const subscriber = await (
      await request('POST', '/api/subscribers', { json: { email: 'jane@example.org', lists: ['monthly', 'forum'] } })
    ).json();
    subscriberId = subscriber.id;
  });

  async function linkFor(lists: string[], campaign?: string) {
    const { deps } = createTestApp(database().db);
    const url = await unsubscribeUrl(deps.signer, deps.config.publicUrl, {
      s: subscriberId,
      l: lists.map((slug) => listIds[slug]!),
      ...(campaign ? { c: campaign } : {}),
    });
    return url.replace(deps.config.publicUrl, '');
  }

  async function statuses() {
    return database()
      .db.selectFrom('subscriptions')
      .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
      .select(['lists.slug', 'subscriptions.status'])
      .orderBy('lists.slug')
      .execute();
  }

  it('shows a page with one button on GET and changes nothing', async () => {
    const { request } = createTestApp(database().db);
    const path = await linkFor(['monthly']);
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('GET', path, { token: null });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body.match(/<button/g)?.length).toBe(1);
    expect(body).toContain('Monthly newsletter');
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('unsubscribes with only the RFC 8058 body', async () => {
    const { app } = createTestApp(database().db);
    const path = await linkFor(['monthly']);
    const response = await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('location')).toBeNull();
    expect(await statuses()).toEqual([
      { slug: 'forum', status: 'confirmed' },
      { slug: 'monthly', status: 'unsubscribed' },
    ]);
  });

  it('records a one-click unsubscribe in the consent log', async () => {
    const { app } = createTestApp(database().db);
    const path = await linkFor(['monthly'], '42');
    await app.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mail provider' },
      body: 'List-Unsubscribe=One-Click',
    });
    const row = await database()
      .db.selectFrom('consent_log')
      .selectAll()
      .where('action', '=', 'unsubscribed')
      .executeTakeFirstOrThrow();
    expect([row.source, row.lists, row.user_agent]).toEqual(['one_click', ['monthly'], 'Mail provider']);
    expect(row.details).toEqual({ campaignId: '42' });
  });

  it('unsubscribes from the page button', async () => {
    const { request } = createTestApp(database().db);
    const path = await linkFor(['forum']);
    const response = await request('POST', path, { token: null });
    expect([response.status, (await response.text()).includes('You are unsubscribed')]).toEqual([200, true]);
    const row = await database().db.selectFrom('consent_log').select('source').where('action', '=', 'unsubscribed').executeTakeFirstOrThrow();
    expect(row.source).toBe('page');
  });

  it('unsubscribes from every list when the link names none', async () => {
    const { request } = createTestApp(database().db);
    await request('POST', await linkFor([]), { token: null });
    expect((await statuses()).map((row) => row.status)).toEqual(['unsubscribed', 'unsubscribed']);
  });

  it('answers 200 again when unsubscribing twice', async () => {
    const { request } = createTestApp(database().db);
    const path = await linkFor(['monthly']);
    await request('POST', path, { token: null });
    const again = await request('POST', path, { token: null });
    expect(again.status).toBe(200);
    const rows = await database().db.selectFrom('consent_log').select('id').where('action', '=', 'unsubscribed').execute();
    expect(rows.length).toBe(1);
  });

  it('rejects a forged token with a 400 page and changes nothing', async () => {
    const { request } = createTestApp(database().db);
    const path = await linkFor(['monthly']);
    const forged = `${path.slice(0, -3)}${path.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('POST', forged, { token: null });
    expect([response.status, (await response.text()).includes('This link is not valid')]).toEqual([400, true]);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects a confirmation token used as an unsubscribe token', async () => {
    const { request, deps } = createTestApp(database().db);
    const token = await deps.signer.sign('confirm', { s: subscriberId, l: [] });
    const response = await request('POST', `/unsubscribe/${token}`, { token: null });
    expect(response.status).toBe(400);
    expect((await statuses()).map((row) => row.status)).toEqual(['confirmed', 'confirmed']);
  });

  it('never expires an unsubscribe link', async () => {
    const path = await linkFor(['monthly']);
    const later = createTestApp(database().db, { now: () => new Date('2036-01-01T00:00:00Z') });
    const response = await later.request('POST', path, { token: null });
    expect(response.status).toBe(200);
  });

  it('answers a link for an erased subscriber with a 410 page', async () => {
    const { request } = createTestApp(database().db);
    const path = await linkFor(['monthly']);
    await request('DELETE', `/api/subscribers/${subscriberId}`);
    const response = await request('POST', path, { token: null });
    expect([response.status, (await response.text()).includes('no longer exists')]).toEqual([410, true]);
  });
});
