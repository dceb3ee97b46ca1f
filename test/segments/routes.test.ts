import { beforeAll, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { NOW, seed } from './seed.ts';

type Issue = { path: string; message: string };
type ErrorBody = { error: { code: string; message: string; details?: Issue[] } };

const officials = { field: 'organisationType', op: 'in', value: ['government', 'academic'] };

describeEachDatabase('segment routes', (database) => {
  let request: ReturnType<typeof createTestApp>['request'];

  beforeAll(async () => {
    await database().reset();
    await seed(database().db);
    request = createTestApp(database().db, { now: () => NOW }).request;
  });

  async function create(name: string, rule: unknown = officials): Promise<{ id: string }> {
    const response = await request('POST', '/api/segments', { json: { name, rule } });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string };
  }

  it('create answers the segment', async () => {
    const response = await request('POST', '/api/segments', { json: { name: 'Officials', rule: officials } });
    const body = (await response.json()) as { id: string; name: string; rule: unknown };
    expect(response.status).toBe(201);
    expect(body.name).toBe('Officials');
    expect(body.rule).toEqual(officials);
  });

  it('create with a taken name answers 409', async () => {
    const response = await request('POST', '/api/segments', { json: { name: 'officials', rule: officials } });
    expect(response.status).toBe(409);
  });

  it('list answers a page', async () => {
    const response = await request('GET', '/api/segments');
    const body = (await response.json()) as { items: { name: string }[]; total: number; page: number; pageSize: number };
    expect(body.total).toBeGreaterThanOrEqual(1);
    expect(body.page).toBe(1);
    expect(body.items.some((item) => item.name === 'Officials')).toBe(true);
  });

  it('get, patch and delete', async () => {
    const { id } = await create('Temporary');
    expect((await request('GET', `/api/segments/${id}`)).status).toBe(200);
    const patched = await request('PATCH', `/api/segments/${id}`, { json: { name: 'Renamed' } });
    expect(((await patched.json()) as { name: string }).name).toBe('Renamed');
    expect((await request('DELETE', `/api/segments/${id}`)).status).toBe(204);
    expect((await request('GET', `/api/segments/${id}`)).status).toBe(404);
  });

  it('unknown id answers 404', async () => {
    expect((await request('GET', '/api/segments/abc/count')).status).toBe(404);
  });

  it('count is the sendable audience', async () => {
    const { id } = await create('Officials for count');
    const response = await request('GET', `/api/segments/${id}/count`);
    expect(await response.json()).toEqual({ count: 2 });
  });

  it('preview lists addresses', async () => {
    const { id } = await create('Officials for preview');
    const response = await request('GET', `/api/segments/${id}/preview?pageSize=1`);
    const body = (await response.json()) as { items: { email: string }[]; total: number };
    expect(body.total).toBe(2);
    expect(body.items.map((item) => item.email)).toEqual(['alice@example.org']);
  });

  it('ad-hoc count with lists and rule', async () => {
    const response = await request('POST', '/api/segments/count', {
      json: { lists: ['news'], rule: { field: 'country', op: 'equals', value: 'DE' } },
    });
    expect(await response.json()).toEqual({ count: 1 });
  });

  it('ad-hoc count with a segment', async () => {
    const { id } = await create('Officials for ad-hoc');
    const response = await request('POST', '/api/segments/count', { json: { segment: id, lists: ['events'] } });
    expect(await response.json()).toEqual({ count: 1 });
  });

  it('delete of a targeted segment answers 409', async () => {
    const { id } = await create('Targeted');
    await database().db.insertInto('campaigns').values({ subject: 'draft', audience: { segment: id } }).execute();
    expect((await request('DELETE', `/api/segments/${id}`)).status).toBe(409);
  });

  it('invalid rule answers 422 with paths', async () => {
    const response = await request('POST', '/api/segments', {
      json: {
        name: 'Broken',
        rule: {
          all: [
            { field: 'country', op: 'equals', value: 'FR' },
            { field: 'topic', op: 'in', value: [] },
            { field: 'country', op: 'equals', value: 5 },
          ],
        },
      },
    });
    const body = (await response.json()) as ErrorBody;
    expect(response.status).toBe(422);
    expect(body.error.details?.map((issue) => issue.path)).toEqual(['rule.all.1.value', 'rule.all.2.value']);
  });

  it('unknown field names the field', async () => {
    const response = await request('POST', '/api/segments/count', { json: { rule: { any: [{ field: 'colour', op: 'equals', value: 'x' }] } } });
    const body = (await response.json()) as ErrorBody;
    expect(body.error.details?.[0]?.path).toBe('rule.any.0.field');
  });

  it('wrong operator says what is expected', async () => {
    const response = await request('POST', '/api/segments/count', {
      json: { rule: { field: 'signedUpAt', op: 'contains', value: '2024' } },
    });
    const body = (await response.json()) as ErrorBody;
    expect(body.error.details?.[0]).toEqual({
      path: 'rule.op',
      message: 'expected one of before, after, withinLastDays, exists for field "signedUpAt"',
    });
  });

  it('unknown list slug on save answers 422', async () => {
    const response = await request('POST', '/api/segments', {
      json: { name: 'Typo', rule: { none: [{ field: 'list', op: 'in', value: ['news', 'nwes'] }] } },
    });
    const body = (await response.json()) as ErrorBody;
    expect(body.error.details?.[0]?.path).toBe('rule.none.0.value.1');
  });

  it('unknown segment in ad-hoc count answers 422', async () => {
    const response = await request('POST', '/api/segments/count', { json: { segment: '424242' } });
    expect(response.status).toBe(422);
  });

  it('list without token answers 401', async () => {
    expect((await request('GET', '/api/segments', { token: null })).status).toBe(401);
  });
});
