import { beforeEach, expect, it } from 'vitest';
import { startHousekeeping } from '../../src/subscribers/housekeeping.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { findLink, recordingMailer, snapshotSubscriberTables } from '../helpers/subscribers.ts';

describeEachDatabase('public sign-up', (database) => {
  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'Monthly newsletter', slug: 'monthly', optIn: 'single' } });
    await request('POST', '/api/lists', { json: { name: 'Forum news', slug: 'forum', optIn: 'double' } });
    await request('POST', '/api/lists', { json: { name: 'Workshops', slug: 'workshops', optIn: 'double' } });
    await request('POST', '/api/lists', { json: { name: 'Staff only', slug: 'internal', visibility: 'private' } });
    await request('POST', '/api/topics', { json: { name: 'Open data', slug: 'open-data' } });
  });

  function app() {
    const mailer = recordingMailer();
    return { ...createTestApp(database().db, { mailer }), mailer };
  }

  async function statuses(email: string) {
    return database()
      .db.selectFrom('subscriptions')
      .innerJoin('subscribers', 'subscribers.id', 'subscriptions.subscriber_id')
      .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
      .select(['lists.slug', 'subscriptions.status'])
      .where('subscribers.email', '=', email)
      .orderBy('lists.slug')
      .execute();
  }

  it('answers 202 accepted for a new address', async () => {
    const { request } = app();
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'new@example.org', lists: ['monthly'] } });
    expect([response.status, await response.json()]).toEqual([202, { status: 'accepted' }]);
  });

  it('confirms a single opt-in list at once', async () => {
    const { request } = app();
    await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'new@example.org', lists: ['monthly'] } });
    expect(await statuses('new@example.org')).toEqual([{ slug: 'monthly', status: 'confirmed' }]);
  });

  it('answers the same for a known address', async () => {
    const { request } = app();
    await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'known@example.org', lists: ['monthly'] } });
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'known@example.org', lists: ['monthly'] } });
    expect([response.status, await response.json()]).toEqual([202, { status: 'accepted' }]);
  });

  it('stores attributes and topics for a new subscriber', async () => {
    const { request } = app();
    await request('POST', '/api/public/subscriptions', {
      token: null,
      json: {
        email: 'a@example.org',
        name: 'Amina',
        lists: ['monthly'],
        topics: ['open-data'],
        attributes: { country: 'Ghana', organisation: 'Civic Lab', organisationType: 'ngo' },
      },
    });
    const list = (await (await request('GET', '/api/subscribers?q=a@example.org')).json()) as { items: unknown[] };
    expect(list.items[0]).toMatchObject({
      name: 'Amina',
      topics: ['open-data'],
      attributes: { country: 'Ghana', organisation: 'Civic Lab', organisationType: 'ngo' },
    });
  });

  it('does not overwrite a known subscriber name', async () => {
    const { request } = app();
    await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'k@example.org', name: 'Real', lists: ['monthly'] } });
    await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'K@example.org', name: 'Prank', lists: ['monthly'] } });
    const row = await database().db.selectFrom('subscribers').select('name').executeTakeFirstOrThrow();
    expect(row.name).toBe('Real');
  });

  it('signs up over a legacy mixed-case row without a duplicate-key error', async () => {
    const { request } = app();
    await database().db.insertInto('subscribers').values({ email: 'Old.Row@Example.org', attributes: '{}' }).execute();
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'old.row@example.org', lists: ['monthly'] } });
    expect(response.status).toBe(202);
    expect(await statuses('Old.Row@Example.org')).toEqual([{ slug: 'monthly', status: 'confirmed' }]);
  });

  it('rejects an unknown list with 422 and stores nothing', async () => {
    const { request } = app();
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'x@example.org', lists: ['monthly', 'nope'] } });
    expect(response.status).toBe(422);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects a private list with 422', async () => {
    const { request } = app();
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'x@example.org', lists: ['internal'] } });
    expect(response.status).toBe(422);
  });

  it('rejects an invalid address with 422 and stores nothing', async () => {
    const { request } = app();
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'ñandú@example.org', lists: ['monthly'] } });
    expect(response.status).toBe(422);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects malformed json with 400', async () => {
    const { request } = app();
    const response = await request('POST', '/api/public/subscriptions', {
      token: null,
      body: '{"email": "x@example.org",',
      headers: { 'content-type': 'application/json' },
    });
    expect(response.status).toBe(400);
  });

  it('rejects a missing lists field with 422', async () => {
    const { request } = app();
    const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'x@example.org' } });
    expect(response.status).toBe(422);
  });

  it('ignores a filled honeypot but answers accepted', async () => {
    const { request } = app();
    const response = await request('POST', '/api/public/subscriptions', {
      token: null,
      json: { email: 'bot@example.org', lists: ['monthly'], website: 'http://spam.example' },
    });
    expect(response.status).toBe(202);
    expect(await statuses('bot@example.org')).toEqual([]);
  });

  it('takes a form post with repeated lists and answers a page', async () => {
    const { request } = app();
    const form = new URLSearchParams([
      ['email', 'form@example.org'],
      ['lists', 'monthly'],
      ['lists', 'forum'],
      ['organisationType', 'academia'],
      ['website', ''],
    ]);
    const response = await request('POST', '/api/public/subscriptions', {
      token: null,
      body: form.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect([response.status, response.headers.get('content-type')]).toEqual([200, 'text/html; charset=UTF-8']);
    expect(await statuses('form@example.org')).toEqual([
      { slug: 'forum', status: 'unconfirmed' },
      { slug: 'monthly', status: 'confirmed' },
    ]);
  });

  it('answers a form with an invalid address with a 422 page', async () => {
    const { request } = app();
    const response = await request('POST', '/api/public/subscriptions', {
      token: null,
      body: 'email=nope&lists=monthly',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Email address');
  });

  it('limits sign-ups per address', async () => {
    const { request } = app();
    const statusesSeen: number[] = [];
    for (let i = 0; i < 6; i++) {
      const response = await request('POST', '/api/public/subscriptions', { token: null, json: { email: 'rl@example.org', lists: ['monthly'] } });
      statusesSeen.push(response.status);
    }
    expect(statusesSeen).toEqual([202, 202, 202, 202, 202, 429]);
  });

  it('limits sign-ups per IP', async () => {
    const { request } = app();
    let last = 0;
    for (let i = 0; i < 31; i++) {
      const response = await request('POST', '/api/public/subscriptions', {
        token: null,
        json: { email: `ip${i}@example.org`, lists: ['monthly'] },
        headers: { 'x-forwarded-for': '198.51.100.7' },
      });
      last = response.status;
    }
    expect(last).toBe(429);
  });

  it('records the sign-up with source, IP and user agent', async () => {
    const { request } = app();
    await request('POST', '/api/public/subscriptions', {
      token: null,
      json: { email: 'log@example.org', lists: ['monthly'] },
      headers: { 'x-forwarded-for': '203.0.113.5', 'user-agent': 'TestBrowser/1.0' },
    });
    const row = await database().db.selectFrom('consent_log').select(['action', 'source', 'ip', 'user_agent', 'lists']).executeTakeFirstOrThrow();
    expect(row).toEqual({ action: 'subscribed', source: 'api', ip: '203.0.113.5', user_agent: 'TestBrowser/1.0', lists: ['monthly'] });
  });

  it('serves the embeddable form with a honeypot', async () => {
    const { request } = app();
    const response = await request('GET', '/subscribe/form.html?lists=monthly,forum', { token: null });
    const body = await response.text();
    expect(body).toContain('name="website"');
    expect(body).toContain('value="forum"');
    expect(body).not.toContain('value="internal"');
  });
});

describeEachDatabase('double opt-in', (database) => {
  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'Forum news', slug: 'forum', optIn: 'double' } });
    await request('POST', '/api/lists', { json: { name: 'Workshops', slug: 'workshops', optIn: 'double' } });
  });

  async function signUp(now?: () => Date) {
    const mailer = recordingMailer();
    const test = createTestApp(database().db, { mailer, now });
    await test.request('POST', '/api/public/subscriptions', {
      token: null,
      json: { email: 'jane@example.org', name: 'Jane', lists: ['forum', 'workshops'] },
    });
    await test.deps.jobs.idle();
    return { ...test, mailer };
  }

  async function statuses() {
    return database()
      .db.selectFrom('subscriptions')
      .innerJoin('lists', 'lists.id', 'subscriptions.list_id')
      .select(['lists.slug', 'subscriptions.status'])
      .orderBy('lists.slug')
      .execute();
  }

  it('sends one confirmation for all lists', async () => {
    const { mailer } = await signUp();
    expect(mailer.sent.length).toBe(1);
  });

  it('names every list in the confirmation', async () => {
    const { mailer } = await signUp();
    const raw = mailer.texts()[0]!;
    expect([raw.includes('Forum news'), raw.includes('Workshops')]).toEqual([true, true]);
  });

  it('puts a one-click List-Unsubscribe on the confirmation', async () => {
    const { mailer } = await signUp();
    const raw = mailer.texts()[0]!;
    expect(raw).toMatch(/List-Unsubscribe: <https:\/\/news\.example\.org\/unsubscribe\/[^>]+>/);
    expect(raw).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click');
  });

  it('records the confirmation for feedback matching', async () => {
    const { mailer } = await signUp();
    const rows = await database().db.selectFrom('sent_messages').select(['ses_message_id', 'email', 'kind']).execute();
    expect(rows).toEqual([{ ses_message_id: 'test-1', email: 'jane@example.org', kind: 'confirmation' }]);
    expect(mailer.sent.length).toBe(1);
  });

  it('sends an HTML and a plain-text part', async () => {
    const { mailer } = await signUp();
    const raw = mailer.texts()[0]!;
    expect([raw.includes('text/plain'), raw.includes('text/html')]).toEqual([true, true]);
  });

  it('keeps the lists unconfirmed until the POST', async () => {
    await signUp();
    expect((await statuses()).map((row) => row.status)).toEqual(['unconfirmed', 'unconfirmed']);
  });

  it('shows a page with one button on GET and changes nothing', async () => {
    const { mailer, request } = await signUp();
    const path = findLink(mailer.texts()[0]!, '/confirm/')!;
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('GET', path, { token: null });
    const body = await response.text();
    expect(response.status).toBe(200);
    expect(body.match(/<button/g)?.length).toBe(1);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('confirms on POST', async () => {
    const { mailer, request } = await signUp();
    const path = findLink(mailer.texts()[0]!, '/confirm/')!;
    const response = await request('POST', path, { token: null });
    expect(response.status).toBe(200);
    expect((await statuses()).map((row) => row.status)).toEqual(['confirmed', 'confirmed']);
  });

  it('shows success when confirming twice', async () => {
    const { mailer, request } = await signUp();
    const path = findLink(mailer.texts()[0]!, '/confirm/')!;
    await request('POST', path, { token: null });
    const again = await request('POST', path, { token: null });
    expect([again.status, (await again.text()).includes('Your subscription is confirmed')]).toEqual([200, true]);
  });

  it('logs one confirmation only when confirming twice', async () => {
    const { mailer, request } = await signUp();
    const path = findLink(mailer.texts()[0]!, '/confirm/')!;
    await request('POST', path, { token: null });
    await request('POST', path, { token: null });
    const rows = await database().db.selectFrom('consent_log').select('action').where('action', '=', 'confirmed').execute();
    expect(rows.length).toBe(1);
  });

  it('rejects a forged token with a 400 page and changes nothing', async () => {
    const { mailer, request } = await signUp();
    const path = findLink(mailer.texts()[0]!, '/confirm/')!;
    const forged = `${path.slice(0, -3)}${path.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('POST', forged, { token: null });
    expect([response.status, (await response.text()).includes('This link is not valid')]).toEqual([400, true]);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects an expired token with a 410 page', async () => {
    const start = new Date('2026-03-01T10:00:00Z');
    const { mailer } = await signUp(() => start);
    const path = findLink(mailer.texts()[0]!, '/confirm/')!;
    const later = createTestApp(database().db, { now: () => new Date('2026-03-05T10:00:00Z') });
    const response = await later.request('POST', path, { token: null });
    expect([response.status, (await response.text()).includes('This link has expired')]).toEqual([410, true]);
  });

  it('answers a missing token with 404', async () => {
    const { request } = await signUp();
    expect((await request('POST', '/confirm/', { token: null })).status).toBe(404);
  });

  it('expires unconfirmed subscriptions after the configured days', async () => {
    const start = new Date('2026-03-01T10:00:00Z');
    await signUp(() => start);
    const later = createTestApp(database().db, { now: () => new Date('2026-04-15T10:00:00Z') });
    await later.deps.jobs.enqueue('subscribers.expire-unconfirmed', {});
    await later.deps.jobs.idle();
    expect(await statuses()).toEqual([]);
  });

  it('housekeeping started by a node process expires them on its first run', async () => {
    await signUp(() => new Date('2026-03-01T10:00:00Z'));
    const later = createTestApp(database().db, { now: () => new Date('2026-04-15T10:00:00Z') });
    const housekeeping = startHousekeeping(later.deps);
    await housekeeping.stop();
    await later.deps.jobs.idle();
    expect(await statuses()).toEqual([]);
  });

  it('keeps unconfirmed subscriptions younger than the expiry', async () => {
    const start = new Date('2026-03-01T10:00:00Z');
    await signUp(() => start);
    const later = createTestApp(database().db, { now: () => new Date('2026-03-10T10:00:00Z') });
    await later.deps.jobs.enqueue('subscribers.expire-unconfirmed', {});
    await later.deps.jobs.idle();
    expect((await statuses()).length).toBe(2);
  });
});
