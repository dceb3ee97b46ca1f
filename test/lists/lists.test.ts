import { beforeEach, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';

describeEachDatabase('lists api', (database) => {
  beforeEach(async () => {
    await database().reset();
  });

  it('creates a list', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/lists', {
      json: { name: 'Monthly newsletter', slug: 'monthly', optIn: 'double', visibility: 'public' },
    });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ slug: 'monthly', optIn: 'double', visibility: 'public', subscriberCount: 0 });
  });

  it('lists lists as a collection', async () => {
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'B list', slug: 'b' } });
    await request('POST', '/api/lists', { json: { name: 'A list', slug: 'a' } });
    const body = (await (await request('GET', '/api/lists')).json()) as { items: { slug: string }[]; total: number };
    expect(body.items.map((list) => list.slug)).toEqual(['a', 'b']);
  });

  it('rejects a duplicate slug with 409', async () => {
    const { request } = createTestApp(database().db);
    await request('POST', '/api/lists', { json: { name: 'A', slug: 'a' } });
    const response = await request('POST', '/api/lists', { json: { name: 'A again', slug: 'a' } });
    expect(response.status).toBe(409);
  });

  it('rejects a missing name with 422', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/lists', { json: { slug: 'a' } });
    expect(response.status).toBe(422);
  });

  it('rejects malformed json with 400', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/lists', { body: '{"name":', headers: { 'content-type': 'application/json' } });
    expect(response.status).toBe(400);
  });

  it('rejects an invalid optIn with 422', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/lists', { json: { name: 'A', slug: 'a', optIn: 'triple' } });
    expect(response.status).toBe(422);
  });

  it('changes a list', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await request('POST', '/api/lists', { json: { name: 'A', slug: 'a' } })).json()) as { id: string };
    const response = await request('PATCH', `/api/lists/${created.id}`, { json: { visibility: 'private' } });
    expect(await response.json()).toMatchObject({ visibility: 'private', name: 'A' });
  });

  it('deletes a list', async () => {
    const { request } = createTestApp(database().db);
    const created = (await (await request('POST', '/api/lists', { json: { name: 'A', slug: 'a' } })).json()) as { id: string };
    await request('DELETE', `/api/lists/${created.id}`);
    expect((await request('GET', `/api/lists/${created.id}`)).status).toBe(404);
  });

  it('answers 404 for an unknown id', async () => {
    const { request } = createTestApp(database().db);
    expect((await request('GET', '/api/lists/999')).status).toBe(404);
  });
});

describeEachDatabase('topics api', (database) => {
  beforeEach(async () => {
    await database().reset();
  });

  it('creates and lists topics', async () => {
    const { request } = createTestApp(database().db);
    await request('POST', '/api/topics', { json: { name: 'Digital government', slug: 'digital-government' } });
    const body = (await (await request('GET', '/api/topics')).json()) as { items: { slug: string }[] };
    expect(body.items.map((topic) => topic.slug)).toEqual(['digital-government']);
  });

  it('rejects a slug with spaces', async () => {
    const { request } = createTestApp(database().db);
    const response = await request('POST', '/api/topics', { json: { name: 'X', slug: 'has space' } });
    expect(response.status).toBe(422);
  });
});
