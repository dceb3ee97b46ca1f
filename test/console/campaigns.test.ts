import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

describeEachDatabase('console compose and campaigns', (database) => {
  let app: Hono<AppEnv>;
  let editor: TestStaff;

  beforeEach(async () => {
    await database().reset();
    const { db } = database();
    const list = await db.insertInto('lists').values({ slug: 'monthly', name: 'Monthly newsletter' }).returning('id').executeTakeFirstOrThrow();
    for (const name of ['ana', 'bo']) {
      const subscriber = await db.insertInto('subscribers').values({ email: `${name}@example.org`, name, source: 'import' }).returning('id').executeTakeFirstOrThrow();
      await db.insertInto('subscriptions').values({ subscriber_id: subscriber.id, list_id: list.id, status: 'confirmed', confirmed_at: new Date() }).execute();
    }
    const built = createTestApp(db);
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

  async function draft(): Promise<string> {
    const response = await post('/console/compose', { subject: 'Governance news', intro: 'Hello **all**.', lists: 'monthly', intent: 'save' });
    expect(response.status).toBe(303);
    return /campaigns\/(\d+)/.exec(response.headers.get('location') ?? '')![1]!;
  }

  it('compose form saves a draft', async () => {
    const id = await draft();
    const html = await (await app.request(`/console/campaigns/${id}`, { headers: { cookie: editor.cookie } })).text();
    expect(html).toContain('Governance news');
    expect(html).toContain(`src="/console/campaigns/${id}/preview"`);
    expect(html).toContain('<strong>2</strong> recipients as of now');
  });

  it('compose without a subject answers 422', async () => {
    const response = await post('/console/compose', { subject: '', lists: 'monthly', intent: 'save' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('expected a subject');
    expect(await database().db.selectFrom('campaigns').select('id').execute()).toEqual([]);
  });

  it('compose without an audience answers 422', async () => {
    const response = await post('/console/compose', { subject: 'Nobody', intent: 'save' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('Name an audience');
  });

  it('preview is sandboxed html', async () => {
    const id = await draft();
    const response = await app.request(`/console/campaigns/${id}/preview`, { headers: { cookie: editor.cookie } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain('sandbox');
    expect(await response.text()).toContain('<strong>all</strong>');
  });

  it('preview frame allows no script or form', async () => {
    const id = await draft();
    const response = await app.request(`/console/campaigns/${id}/preview`, { headers: { cookie: editor.cookie } });
    const policy = response.headers.get('content-security-policy') ?? '';
    expect(policy).toContain("default-src 'none'");
    expect(policy).toContain("form-action 'none'");
    // The console's origin keeps Chromium from moving the frame to a process of its own, whose
    // stale hit-testing after a scroll took clicks meant for the draft page's buttons.
    expect(policy).toContain('sandbox allow-same-origin allow-popups');
    expect(policy).not.toContain('allow-scripts');
    expect(policy).not.toContain('allow-forms');
  });

  it('send confirmation states the count', async () => {
    const id = await draft();
    const response = await post(`/console/campaigns/${id}/confirm`, { intent: 'send' });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('Send to 2 recipients');
    expect(await database().db.selectFrom('ledger').select('id').execute()).toEqual([]);
  });

  it('confirmed send writes the ledger', async () => {
    const id = await draft();
    const response = await post(`/console/campaigns/${id}/send`, { expected: '2' });
    expect(response.status).toBe(303);
    const rows = await database().db.selectFrom('ledger').select('email').where('campaign_id', '=', id).execute();
    expect(rows.map((row) => row.email).sort()).toEqual(['ana@example.org', 'bo@example.org']);
  });

  it('schedule in the past answers 422', async () => {
    const id = await draft();
    const response = await post(`/console/campaigns/${id}/confirm`, { intent: 'schedule', sendAt: '2020-01-01T09:00' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('The send time is in the past');
  });

  it('confirmed schedule sets the time', async () => {
    const id = await draft();
    const response = await post(`/console/campaigns/${id}/schedule`, { sendAt: '2099-01-05T08:00:00.000Z' });
    expect(response.status).toBe(303);
    const row = await database().db.selectFrom('campaigns').select(['status', 'send_at']).where('id', '=', id).executeTakeFirstOrThrow();
    expect(row.status).toBe('scheduled');
    expect(new Date(row.send_at!).toISOString()).toBe('2099-01-05T08:00:00.000Z');
  });
});
