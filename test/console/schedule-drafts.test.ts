import { beforeEach, expect, it } from 'vitest';
import type { Hono } from 'hono';
import type { Deps } from '../../src/deps.ts';
import type { Mailer } from '../../src/delivery/mailer.ts';
import { createDigest } from '../../src/digests/digests.ts';
import { runDigest } from '../../src/digests/run.ts';
import type { AppEnv } from '../../src/http/context.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { formBody, signedInStaff, type TestStaff } from '../helpers/staff.ts';
import { runAt, seedContent } from '../digests/content.ts';
import { seedAudience } from '../digests/setup.ts';

describeEachDatabase('console digest drafts', (database) => {
  let app: Hono<AppEnv>;
  let deps: Deps;
  let editor: TestStaff;
  let viewer: TestStaff;
  let draftId: string;
  const mailer: Mailer = { send: async () => ({ messageId: 'notification' }) };

  beforeEach(async () => {
    await database().reset();
    await seedAudience(database().db);
    await seedContent(database().db);
    const built = createTestApp(database().db, { now: () => runAt, mailer });
    app = built.app;
    deps = built.deps;
    editor = await signedInStaff(deps, 'editor');
    viewer = await signedInStaff(deps, 'viewer');
    const digest = await createDigest(deps.db, { name: 'Monthly digest', lists: ['monthly'], subject: 'Monthly digest: {month}', autoSend: false });
    const run = await runDigest(deps, digest.id, { at: runAt });
    expect(run.status).toBe('draft');
    draftId = run.campaignId!;
  });

  function post(path: string, staff = editor) {
    return app.request(path, {
      method: 'POST',
      headers: { cookie: staff.cookie, 'content-type': 'application/x-www-form-urlencoded' },
      body: formBody({}, staff.csrf),
    });
  }

  async function page(path: string, staff = editor): Promise<string> {
    const response = await app.request(path, { headers: { cookie: staff.cookie } });
    expect(response.status).toBe(200);
    return response.text();
  }

  async function campaignStatus(): Promise<string> {
    const row = await database().db.selectFrom('campaigns').select('status').where('id', '=', draftId).executeTakeFirstOrThrow();
    return row.status;
  }

  async function unreadNotifications(): Promise<number> {
    const rows = await database().db.selectFrom('editor_notifications').select('id').where('campaign_id', '=', draftId).where('read_at', 'is', null).execute();
    return rows.length;
  }

  it('draft is listed with its decisions', async () => {
    const html = await page('/console/schedules');
    expect(html).toContain('Monthly digest: January 2027');
    expect(html).toContain(`href="/console/schedules/drafts/${draftId}/approve"`);
    expect(html).toContain(`href="/console/schedules/drafts/${draftId}/discard"`);
  });

  it('viewer sees the draft without decisions', async () => {
    const html = await page('/console/schedules', viewer);
    expect(html).toContain('Monthly digest: January 2027');
    expect(html).not.toContain('/approve"');
  });

  it('approval asks first with the count', async () => {
    const html = await page(`/console/schedules/drafts/${draftId}/approve`);
    expect(html).toContain('Approve and send to 2 recipients');
    expect(await campaignStatus()).toBe('draft');
  });

  it('approve starts sending and reads the notification', async () => {
    expect(await unreadNotifications()).toBe(1);
    const response = await post(`/console/schedules/drafts/${draftId}/approve`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/console/campaigns/${draftId}?notice=approved`);
    expect(await campaignStatus()).toBe('sending');
    expect(await unreadNotifications()).toBe(0);
    const ledger = await database().db.selectFrom('ledger').select('email').where('campaign_id', '=', draftId).execute();
    expect(ledger.length).toBe(2);
    expect(await page('/console/schedules')).toContain('No digest is waiting');
  });

  it('discard cancels the draft', async () => {
    const confirm = await page(`/console/schedules/drafts/${draftId}/discard`);
    expect(confirm).toContain('offers them again');
    const response = await post(`/console/schedules/drafts/${draftId}/discard`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/console/schedules?notice=discarded');
    expect(await campaignStatus()).toBe('cancelled');
    expect(await unreadNotifications()).toBe(0);
  });

  it('approving twice answers 409', async () => {
    expect((await post(`/console/schedules/drafts/${draftId}/approve`)).status).toBe(303);
    const again = await post(`/console/schedules/drafts/${draftId}/approve`);
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('no longer a draft awaiting approval');
  });

  it('campaign outside a digest is refused', async () => {
    const other = await database()
      .db.insertInto('campaigns')
      .values({ subject: 'Hand-made issue', audience: JSON.stringify({ lists: ['monthly'] }), compose: {}, series: 'default' })
      .returning('id')
      .executeTakeFirstOrThrow();
    const response = await post(`/console/schedules/drafts/${other.id}/approve`);
    expect(response.status).toBe(404);
    expect(await response.text()).toContain(`No digest draft with id ${other.id}.`);
  });

  it('viewer cannot approve or discard', async () => {
    for (const decision of ['approve', 'discard']) {
      expect((await post(`/console/schedules/drafts/${draftId}/${decision}`, viewer)).status).toBe(403);
    }
    expect(await campaignStatus()).toBe('draft');
  });
});
