import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { Deps } from '../../src/deps.ts';
import { suppressAddress } from '../../src/feedback/suppressions.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';

describeEachDatabase('console suppression list', (database) => {
  let app: Hono<AppEnv>;
  let deps: Deps;
  let editor: TestStaff;
  let viewer: TestStaff;

  beforeEach(async () => {
    await database().reset();
    const built = createTestApp(database().db);
    app = built.app;
    deps = built.deps;
    editor = await signedInStaff(deps, 'editor');
    viewer = await signedInStaff(deps, 'viewer');
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

  async function suppressionRows() {
    return database().db.selectFrom('suppressions').select(['id', 'email', 'reason', 'details']).orderBy('id').execute();
  }

  it('empty list says so', async () => {
    const html = await page('/console/suppressions');
    expect(html).toContain('The suppression list is empty');
    expect(html).toContain('Add to the suppression list');
  });

  it('viewer reads but sees no forms', async () => {
    await suppressAddress(deps.db, deps.signer, { email: 'gone@example.org', reason: 'hard_bounce' });
    const html = await page('/console/suppressions', viewer);
    expect(html).toContain('gone@example.org');
    expect(html).not.toContain('Add to the suppression list');
    expect(html).not.toContain('Remove…');
  });

  it('form adds an address with a reason and note', async () => {
    const response = await post('/console/suppressions', { email: 'Ana@Example.org', reason: 'complaint', note: 'asked by phone' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/suppressions?q=Ana%40Example.org&notice=suppression-added');
    const rows = await suppressionRows();
    expect(rows.length).toBe(1);
    expect(rows[0]!.email).toBe('ana@example.org');
    expect(rows[0]!.reason).toBe('complaint');
    expect(rows[0]!.details).toMatchObject({ note: 'asked by phone', actor: editor.email });

    const html = await page(response.headers.get('location')!);
    expect(html).toContain('ana@example.org');
    expect(html).toContain('complaint (marked as spam)');
    expect(html).toContain(`asked by phone; by ${editor.email}`);
  });

  it('invalid address answers 422 and adds nothing', async () => {
    const response = await post('/console/suppressions', { email: 'not an address', reason: 'manual' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('email');
    expect(await suppressionRows()).toEqual([]);
  });

  it('erased reason cannot be given by hand', async () => {
    const response = await post('/console/suppressions', { email: 'ana@example.org', reason: 'erased' });
    expect(response.status).toBe(422);
    expect(await response.text()).toContain('The suppression is invalid: reason');
    expect(await suppressionRows()).toEqual([]);
  });

  it('address already listed says so', async () => {
    await suppressAddress(deps.db, deps.signer, { email: 'ana@example.org', reason: 'hard_bounce' });
    const response = await post('/console/suppressions', { email: 'ana@example.org', reason: 'manual' });
    expect(response.headers.get('location')).toContain('notice=suppression-exists');
    expect((await suppressionRows())[0]!.reason).toBe('hard_bounce');
  });

  it('search filters by address and reason', async () => {
    await suppressAddress(deps.db, deps.signer, { email: 'ana@example.org', reason: 'hard_bounce' });
    await suppressAddress(deps.db, deps.signer, { email: 'bo@example.net', reason: 'complaint' });
    const byAddress = await page('/console/suppressions?q=example.net');
    expect(byAddress).toContain('bo@example.net');
    expect(byAddress).not.toContain('ana@example.org');
    const byReason = await page('/console/suppressions?reason=hard_bounce');
    expect(byReason).toContain('ana@example.org');
    expect(byReason).not.toContain('bo@example.net');
    const none = await page('/console/suppressions?q=nobody');
    expect(none).toContain('No suppressed address matches');
  });

  it('erased address is found by its full address', async () => {
    await suppressAddress(deps.db, deps.signer, { email: 'erased@example.org', reason: 'erased', hashOnly: true });
    const partial = await page('/console/suppressions?q=erased');
    expect(partial).toContain('No suppressed address matches');
    const whole = await page('/console/suppressions?q=Erased%40example.org');
    expect(whole).toContain('address erased (kept only as a hash)');
    expect(whole).toContain('erased subscriber');
  });

  it('list is paged', async () => {
    for (let index = 0; index < 51; index += 1) {
      await suppressAddress(deps.db, deps.signer, { email: `reader${String(index).padStart(2, '0')}@example.org`, reason: 'manual' });
    }
    const first = await page('/console/suppressions');
    expect(first).toContain('Page 1 of 2');
    expect(first).toContain('reader50@example.org');
    expect(first).not.toContain('reader00@example.org');
    const second = await page('/console/suppressions?page=2');
    expect(second).toContain('reader00@example.org');
  });

  it('remove asks first, then allows mail again', async () => {
    await suppressAddress(deps.db, deps.signer, { email: 'ana@example.org', reason: 'complaint' });
    const [row] = await suppressionRows();
    const confirm = await page(`/console/suppressions/${row!.id}/remove`);
    expect(confirm).toContain('Remove from the suppression list?');
    expect(confirm).toContain('the reader marked an issue as spam');
    expect(confirm).toContain('harms the sender reputation');

    const response = await post(`/console/suppressions/${row!.id}/remove`, {});
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/suppressions?notice=suppression-removed');
    expect(await suppressionRows()).toEqual([]);
    const audit = await database().db.selectFrom('audit_log').select('actor').where('action', '=', 'POST /console/suppressions/:id{[0-9]+}/remove').execute();
    expect(audit).toEqual([{ actor: editor.email }]);
  });

  it('viewer cannot remove', async () => {
    await suppressAddress(deps.db, deps.signer, { email: 'ana@example.org', reason: 'manual' });
    const [row] = await suppressionRows();
    const response = await post(`/console/suppressions/${row!.id}/remove`, {}, viewer);
    expect(response.status).toBe(403);
    expect((await suppressionRows()).length).toBe(1);
  });

  it('removing an unknown row answers 404', async () => {
    const response = await post('/console/suppressions/999999/remove', {});
    expect(response.status).toBe(404);
    expect(await response.text()).toContain('No suppression with id 999999.');
  });
});
