import { beforeAll, beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import { countAudience } from '../../src/segments/audience.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';
import { NOW, seed } from '../segments/seed.ts';

describeEachDatabase('console segments', (database) => {
  let app: Hono<AppEnv>;
  let editor: TestStaff;

  beforeAll(() => database().reset());
  beforeEach(async () => {
    await database().reset();
    await seed(database().db);
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

  it('builder rows save a segment', async () => {
    const response = await post('/console/segments', {
      name: 'French officials',
      match: 'all',
      condition: ['country.equals', ''],
      value: ['FR', ''],
      intent: 'save',
    });
    expect(response.status).toBe(303);
    const location = response.headers.get('location') ?? '';
    expect(location).toMatch(/^\/console\/segments\/\d+\?notice=created$/);

    const page = await app.request(location, { headers: { cookie: editor.cookie } });
    const html = await page.text();
    expect(html).toContain('Segment: French officials');
    expect(html).toContain('&quot;country&quot;');
    const expected = await countAudience(database().db, { rule: { all: [{ field: 'country', op: 'equals', value: 'FR' }] } }, { now: NOW });
    expect(html).toContain(`<strong>${expected}</strong> sendable subscribers`);
  });

  it('count intent shows the count without saving', async () => {
    const response = await post('/console/segments', { name: 'x', match: 'any', condition: 'topic.equals', value: 'open-data', intent: 'count' });
    expect(response.status).toBe(200);
    const expected = await countAudience(database().db, { rule: { any: [{ field: 'topic', op: 'equals', value: 'open-data' }] } }, { now: NOW });
    expect(await response.text()).toContain(`data-count-url="/console/segments/count">${expected}</strong>`);
    const saved = await database().db.selectFrom('segments').select('id').execute();
    expect(saved).toEqual([]);
  });

  it('invalid rule json answers 422 naming the problem', async () => {
    const response = await post('/console/segments', { name: 'broken', ruleJson: '{"all": [', intent: 'save' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('The rule JSON is not valid JSON');
  });

  it('unknown list slug answers 422', async () => {
    const response = await post('/console/segments', { name: 'nobody', condition: 'list.equals', value: 'no-such-list', intent: 'save' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('no-such-list');
  });

  it('non-numeric day count answers 422', async () => {
    const response = await post('/console/segments', { name: 'recent', condition: 'signedUpAt.withinLastDays', value: 'thirty', intent: 'save' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('&quot;thirty&quot; is not a whole number');
  });

  it('live count answers json for lists', async () => {
    const response = await app.request('/console/segments/count?lists=news', { headers: { cookie: editor.cookie } });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { count: number };
    expect(body.count).toBe(await countAudience(database().db, { lists: ['news'] }, { now: NOW }));
  });

  it('live count answers json for builder rows', async () => {
    const response = await app.request('/console/segments/count?match=all&condition=country.equals&value=FR', { headers: { cookie: editor.cookie } });
    const body = (await response.json()) as { count: number };
    expect(body.count).toBe(await countAudience(database().db, { rule: { all: [{ field: 'country', op: 'equals', value: 'FR' }] } }, { now: NOW }));
  });

  it('segment is deleted from its page', async () => {
    const created = await post('/console/segments', { name: 'to delete', condition: 'country.equals', value: 'FR', intent: 'save' });
    const id = /segments\/(\d+)/.exec(created.headers.get('location') ?? '')![1]!;
    const response = await post(`/console/segments/${id}/delete`, {});
    expect(response.status).toBe(303);
    expect(await database().db.selectFrom('segments').select('id').execute()).toEqual([]);
  });
});
