import { sql } from 'kysely';
import { beforeEach, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { snapshotSubscriberTables } from '../helpers/subscribers.ts';

interface SubscriberBody {
  id: string;
  email: string;
  name: string;
  status: string;
  attributes: Record<string, unknown>;
  subscriptions: { list: string; status: string }[];
  topics: string[];
}

describeEachDatabase('subscribers api', (database) => {
  beforeEach(async () => {
    await database().reset();
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'Monthly', slug: 'monthly' } });
    await request('POST', '/api/lists', { json: { name: 'Forum', slug: 'forum', visibility: 'private' } });
    await request('POST', '/api/topics', { json: { name: 'Open data', slug: 'open-data' } });
  });

  async function create(json: unknown) {
    const { request } = createTestApp(database().db);
    return request('POST', '/api/subscribers', { json });
  }

  it('creates a subscriber with confirmed lists', async () => {
    const response = await create({ email: 'Jane@Example.ORG', name: 'Jane', lists: ['monthly'], topics: ['open-data'] });
    expect(response.status).toBe(201);
    const body = (await response.json()) as SubscriberBody;
    expect(body).toMatchObject({
      email: 'Jane@example.org',
      subscriptions: [{ list: 'monthly', status: 'confirmed' }],
      topics: ['open-data'],
    });
  });

  it('keeps the office attributes', async () => {
    const response = await create({
      email: 'a@example.org',
      attributes: { country: 'Kenya', organisation: 'Ministry of ICT', organisationType: 'government' },
    });
    expect(((await response.json()) as SubscriberBody).attributes).toEqual({
      country: 'Kenya',
      organisation: 'Ministry of ICT',
      organisationType: 'government',
    });
  });

  it('rejects an unknown organisation type', async () => {
    const response = await create({ email: 'a@example.org', attributes: { organisationType: 'club' } });
    expect(response.status).toBe(422);
  });

  it('rejects an invalid address and stores nothing', async () => {
    const before = await snapshotSubscriberTables(database().db);
    const response = await create({ email: 'not an address' });
    expect(response.status).toBe(422);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects an unknown list slug and stores nothing', async () => {
    const before = await snapshotSubscriberTables(database().db);
    const response = await create({ email: 'a@example.org', lists: ['monthly', 'nope'] });
    expect(response.status).toBe(422);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('rejects a missing email with 422', async () => {
    expect((await create({ name: 'No address' })).status).toBe(422);
  });

  it('rejects a case variant of an existing address with 409', async () => {
    await create({ email: 'jane@example.org' });
    expect((await create({ email: 'JANE@example.org' })).status).toBe(409);
  });

  it('answers 409, not a database error, for a legacy mixed-case row', async () => {
    await sql`insert into subscribers (email) values ('Legacy.Person@Example.org')`.execute(database().db);
    expect((await create({ email: 'legacy.person@example.org' })).status).toBe(409);
  });

  it('searches by address substring', async () => {
    const { request } = createTestApp(database().db);
    await create({ email: 'alpha@example.org' });
    await create({ email: 'beta@example.org' });
    const body = (await (await request('GET', '/api/subscribers?q=alph')).json()) as { items: SubscriberBody[]; total: number };
    expect(body.items.map((s) => s.email)).toEqual(['alpha@example.org']);
  });

  it('filters by list and subscription status', async () => {
    const { request } = createTestApp(database().db);
    await create({ email: 'in@example.org', lists: ['monthly'] });
    await create({ email: 'out@example.org' });
    const body = (await (await request('GET', '/api/subscribers?list=monthly&status=confirmed')).json()) as { total: number };
    expect(body.total).toBe(1);
  });

  it('filters by country and topic', async () => {
    const { request } = createTestApp(database().db);
    await create({ email: 'seoul@example.org', attributes: { country: 'KR' }, topics: ['open-data'] });
    await create({ email: 'busan@example.org', attributes: { country: 'KR' } });
    await create({ email: 'lyon@example.org', attributes: { country: 'FR' }, topics: ['open-data'] });
    const inKorea = (await (await request('GET', '/api/subscribers?country=KR')).json()) as { items: SubscriberBody[] };
    expect(inKorea.items.map((s) => s.email)).toEqual(['busan@example.org', 'seoul@example.org']);
    const both = (await (await request('GET', '/api/subscribers?country=KR&topic=open-data')).json()) as { items: SubscriberBody[] };
    expect(both.items.map((s) => s.email)).toEqual(['seoul@example.org']);
  });

  it('filters by subscription status on any list', async () => {
    const { request } = createTestApp(database().db);
    await create({ email: 'in@example.org', lists: ['monthly'] });
    await create({ email: 'out@example.org' });
    const body = (await (await request('GET', '/api/subscribers?status=confirmed')).json()) as { items: SubscriberBody[] };
    expect(body.items.map((s) => s.email)).toEqual(['in@example.org']);
  });

  it('answers 422 for a search on an unknown topic', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('GET', '/api/subscribers?topic=nope');
    expect(response.status).toBe(422);
    expect(JSON.stringify(await response.json())).toContain('nope');
  });

  it('answers 422 for a search on an unknown list', async () => {
    const { request } = createTestApp(database().db);
    expect((await request('GET', '/api/subscribers?list=nope')).status).toBe(422);
  });

  it('pages results', async () => {
    const { request } = createTestApp(database().db);
    for (const n of [1, 2, 3]) await create({ email: `p${n}@example.org` });
    const body = (await (await request('GET', '/api/subscribers?page=2&pageSize=2')).json()) as { items: unknown[]; total: number; page: number };
    expect([body.items.length, body.total, body.page]).toEqual([1, 3, 2]);
  });

  it('patches name, attributes, subscriptions and topics', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await create({ email: 'a@example.org', lists: ['monthly'], attributes: { country: 'Chile' } })).json()) as SubscriberBody;
    const response = await request('PATCH', `/api/subscribers/${created.id}`, {
      json: {
        name: 'Ana',
        attributes: { organisation: 'Municipality', country: null },
        subscriptions: [{ list: 'monthly', status: 'unsubscribed' }],
        lists: ['forum'],
        topics: ['open-data'],
      },
    });
    expect(await response.json()).toMatchObject({
      name: 'Ana',
      attributes: { organisation: 'Municipality' },
      subscriptions: [
        { list: 'forum', status: 'confirmed' },
        { list: 'monthly', status: 'unsubscribed' },
      ],
      topics: ['open-data'],
    });
  });

  it('leaves the row unchanged when a patch names an unknown list', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await create({ email: 'a@example.org' })).json()) as SubscriberBody;
    const before = await snapshotSubscriberTables(database().db);
    const response = await request('PATCH', `/api/subscribers/${created.id}`, { json: { name: 'X', lists: ['nope'] } });
    expect(response.status).toBe(422);
    expect(await snapshotSubscriberTables(database().db)).toEqual(before);
  });

  it('records staff changes in the consent history', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await create({ email: 'a@example.org', lists: ['monthly'] })).json()) as SubscriberBody;
    await request('PATCH', `/api/subscribers/${created.id}`, { json: { status: 'blocklisted' } });
    const history = (await (await request('GET', `/api/subscribers/${created.id}/consent`)).json()) as {
      items: { action: string; source: string }[];
    };
    expect(history.items.map((entry) => `${entry.action}/${entry.source}`)).toEqual(['blocklisted/staff', 'subscribed/staff']);
  });

  it('erases a subscriber, keeping only a hash in the suppression list', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await create({ email: 'gone@example.org', lists: ['monthly'] })).json()) as SubscriberBody;
    expect((await request('DELETE', `/api/subscribers/${created.id}`)).status).toBe(204);
    const rows = await database().db.selectFrom('suppressions').select(['email', 'reason']).execute();
    expect(rows).toEqual([{ email: null, reason: 'erased' }]);
  });

  it('keeps no address in the consent log after erasure', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await create({ email: 'gone@example.org' })).json()) as SubscriberBody;
    await request('DELETE', `/api/subscribers/${created.id}`);
    const text = JSON.stringify(await database().db.selectFrom('consent_log').selectAll().execute());
    expect(text).not.toContain('gone@example.org');
  });

  it('answers 404 for an unknown subscriber', async () => {
    const { request } = createTestApp(database().db);
    expect((await request('GET', '/api/subscribers/12345')).status).toBe(404);
  });
});

describeEachDatabase('suppressions api', (database) => {
  beforeEach(async () => {
    await database().reset();
  });

  it('adds, searches and removes a suppression', async () => {
    const { request } = createTestApp(database().db);
    const added = await request('POST', '/api/suppressions', { json: { email: 'Bounce@Example.org', reason: 'hard_bounce' } });
    expect(added.status).toBe(201);
    const search = (await (await request('GET', '/api/suppressions?q=bounce')).json()) as { items: { id: string; email: string }[] };
    expect(search.items[0]?.email).toBe('bounce@example.org');
    expect((await request('DELETE', `/api/suppressions/${search.items[0]!.id}`)).status).toBe(204);
  });

  it('answers 200 when the address is already suppressed', async () => {
    const { request } = createTestApp(database().db);
    await request('POST', '/api/suppressions', { json: { email: 'x@example.org', reason: 'manual' } });
    const again = await request('POST', '/api/suppressions', { json: { email: 'X@example.org', reason: 'manual' } });
    expect(again.status).toBe(200);
  });

  it('rejects an invalid address', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/suppressions', { json: { email: 'nope', reason: 'manual' } });
    expect(response.status).toBe(422);
  });

  it('answers 404 when removing an unknown id', async () => {
    const { request } = createTestApp(database().db);
    expect((await request('DELETE', '/api/suppressions/999')).status).toBe(404);
  });
});
