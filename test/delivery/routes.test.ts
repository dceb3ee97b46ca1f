import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { startDueCampaigns } from '../../src/delivery/schedule.ts';
import type { Environment } from '../../src/config.ts';
import type { Db } from '../../src/db/connect.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { addManySubscribers, addSubscribers, createCampaign, createList, ledgerStatuses } from './setup.ts';

describeEachDatabase('sending controls', (database) => {
  let ses: RecordingSes;
  beforeAll(async () => {
    ses = await startRecordingSes();
  });
  afterAll(async () => {
    await ses.close();
  });
  beforeEach(async () => {
    await database().reset();
    ses.clear();
    ses.clearFaults();
  });

  const setup = (env: Environment = {}, now?: () => Date) => {
    const test = createTestApp(database().db, {
      env: { SES_ENDPOINT: ses.url, SES_MAX_SEND_RATE: '5000', SEND_BATCH_SIZE: '10', ...env },
      now,
    });
    test.deps.mailer = createSesMailer(test.deps.config.ses);
    const worker = () => createSendWorker(test.deps, { backoff: { baseMs: 1, maxMs: 5, maxRetries: 20 } });
    return { ...test, db: database().db as Db, worker };
  };

  it('send answers 202 with the audience size', async () => {
    const { db, request } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 4);
    const campaign = await createCampaign(db);

    const response = await request('POST', `/api/campaigns/${campaign}/send`);

    expect(response.status).toBe(202);
    const body = (await response.json()) as { status: string; audienceSize: number; started: boolean };
    expect(body).toMatchObject({ status: 'sending', audienceSize: 4, started: true });
  });

  it('send of an unknown campaign answers 404', async () => {
    const { request } = setup();
    const response = await request('POST', '/api/campaigns/999/send');
    expect(response.status).toBe(404);
  });

  it('send without a rendered body answers 422 and writes nothing', async () => {
    const { db, request } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 2);
    const campaign = await db
      .insertInto('campaigns')
      .values({ subject: 'Empty', audience: { lists: ['monthly'] }, compose: {} })
      .returning('id')
      .executeTakeFirstOrThrow();

    const response = await request('POST', `/api/campaigns/${campaign.id}/send`);

    expect(response.status).toBe(422);
    expect(await db.selectFrom('ledger').select('id').execute()).toHaveLength(0);
    const state = await db.selectFrom('campaigns').select('status').executeTakeFirstOrThrow();
    expect(state.status).toBe('draft');
  });

  it('html over 100 KB is flagged', async () => {
    const { db, request } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 1);
    const campaign = await createCampaign(db, { html: `<p>${'x'.repeat(110 * 1024)}</p>` });

    const response = await request('POST', `/api/campaigns/${campaign}/send`);

    const body = (await response.json()) as { warnings: string[] };
    expect(body.warnings).toHaveLength(1);
    expect(body.warnings[0]).toContain('Gmail clips');
  });

  it('test send leaves the ledger untouched', async () => {
    const { db, request } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 3);
    const campaign = await createCampaign(db);

    const response = await request('POST', `/api/campaigns/${campaign}/test`, {
      json: { emails: ['editor@example.org', 'chief@example.org'] },
    });

    expect(response.status).toBe(200);
    const body = (await response.json()) as { results: { status: string }[] };
    expect(body.results.map((result) => result.status)).toEqual(['sent', 'sent']);
    expect([...ses.countsByAddress().keys()].sort()).toEqual(['chief@example.org', 'editor@example.org']);
    expect(await db.selectFrom('ledger').select('id').execute()).toHaveLength(0);
    const state = await db.selectFrom('campaigns').select(['status', 'audience_size']).executeTakeFirstOrThrow();
    expect(state.status).toBe('draft');
    expect(state.audience_size).toBeNull();
    const mail = await ses.parse(ses.messages[0]!);
    expect(mail.subject).toMatch(/^\[Test\] /);
  });

  it('test send rejects an invalid address', async () => {
    const { db, request } = setup();
    const campaign = await createCampaign(db);
    const response = await request('POST', `/api/campaigns/${campaign}/test`, { json: { emails: ['not-an-address'] } });
    expect(response.status).toBe(422);
    expect(ses.messages).toHaveLength(0);
  });

  it('resend moves failed rows back to queued and records it', async () => {
    const { db, request, worker } = setup();
    const list = await createList(db);
    await addSubscribers(db, list, [{ email: 'a@example.org' }, { email: 'b@example.org' }]);
    const campaign = await createCampaign(db);
    await request('POST', `/api/campaigns/${campaign}/send`);
    ses.inject({ error: 'messageRejected', next: 1, when: (to) => to.includes('b@example.org') });
    await worker().drain();
    const before = await ledgerStatuses(db, campaign);

    const response = await request('POST', `/api/campaigns/${campaign}/resend`, { json: { states: ['failed'] } });

    expect(before).toEqual({ 'a@example.org': 'sent', 'b@example.org': 'failed' });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ requeued: 1, status: 'sending' });
    expect(await ledgerStatuses(db, campaign)).toEqual({ 'a@example.org': 'sent', 'b@example.org': 'queued' });
    const audit = await db.selectFrom('audit_log').selectAll().where('action', '=', 'campaign.resend').execute();
    expect(audit).toHaveLength(1);
    expect(audit[0]!.actor).toBe('admin-token');
    expect(audit[0]!.details).toMatchObject({ states: ['failed'], requeued: 1 });

    await worker().drain();
    expect(ses.countsByAddress().get('b@example.org')).toBe(1);
    expect(ses.countsByAddress().get('a@example.org')).toBe(1);
  });

  it('uncertain rows are resent or left by decision', async () => {
    const { db, request, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 4);
    const campaign = await createCampaign(db);
    await request('POST', `/api/campaigns/${campaign}/send`);
    // Two rows claimed by a worker that died: their leases are in the past.
    const dead = await db.selectFrom('ledger').select('id').orderBy('id').limit(2).execute();
    await db
      .updateTable('ledger')
      .set({ status: 'sending', worker_id: 'dead', lease_until: new Date(Date.now() - 60_000) })
      .where('id', 'in', dead.map((row) => row.id))
      .execute();
    await worker().drain();
    const [resendId, leaveId] = dead.map((row) => row.id);

    const left = await request('POST', `/api/campaigns/${campaign}/uncertain`, { json: { decision: 'leave', ids: [leaveId] } });
    const resent = await request('POST', `/api/campaigns/${campaign}/uncertain`, { json: { decision: 'resend', ids: [resendId] } });
    await worker().drain();
    const invalid = await request('POST', `/api/campaigns/${campaign}/uncertain`, { json: { decision: 'forget' } });

    expect(left.status).toBe(200);
    expect(await left.json()).toMatchObject({ decision: 'leave', rows: 1 });
    expect(resent.status).toBe(200);
    expect(await resent.json()).toMatchObject({ decision: 'resend', rows: 1, status: 'sending' });
    expect(invalid.status).toBe(422);
    const rows = await db.selectFrom('ledger').select(['id', 'status', 'error']).where('id', 'in', [resendId!, leaveId!]).execute();
    const byId = Object.fromEntries(rows.map((row) => [row.id, row]));
    expect(byId[resendId!]!.status).toBe('sent');
    expect(byId[leaveId!]!.status).toBe('uncertain');
    expect(byId[leaveId!]!.error).toMatch(/^Left without resending by admin-token/);
    expect(ses.countsByAddress().size).toBe(3);
    const actions = await db.selectFrom('audit_log').select('action').where('action', 'like', 'campaign.%').orderBy('id').execute();
    expect(actions.map((row) => row.action)).toEqual(['campaign.send', 'campaign.uncertain.leave', 'campaign.resend']);
    const state = await db.selectFrom('campaigns').select(['status', 'status_reason']).executeTakeFirstOrThrow();
    expect(state.status).toBe('sent');
  });

  it('resend with an unknown state answers 422', async () => {
    const { db, request } = setup();
    const campaign = await createCampaign(db);
    const response = await request('POST', `/api/campaigns/${campaign}/resend`, { json: { states: ['sent'] } });
    expect(response.status).toBe(422);
  });

  it('pause, resume and cancel follow the states', async () => {
    const { db, request } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 3);
    const campaign = await createCampaign(db);

    const early = await request('POST', `/api/campaigns/${campaign}/pause`);
    await request('POST', `/api/campaigns/${campaign}/send`);
    const paused = await request('POST', `/api/campaigns/${campaign}/pause`);
    const resumed = await request('POST', `/api/campaigns/${campaign}/resume`);
    const cancelled = await request('POST', `/api/campaigns/${campaign}/cancel`);

    expect(early.status).toBe(409);
    expect(await paused.json()).toMatchObject({ status: 'paused' });
    expect(await resumed.json()).toMatchObject({ status: 'sending' });
    expect(await cancelled.json()).toMatchObject({ status: 'cancelled' });
    expect(Object.values(await ledgerStatuses(db, campaign))).toEqual(['skipped', 'skipped', 'skipped']);
  });

  it('schedule requires a future time', async () => {
    const { db, request } = setup();
    const campaign = await createCampaign(db);
    const past = await request('POST', `/api/campaigns/${campaign}/schedule`, { json: { sendAt: '2020-01-01T00:00:00Z' } });
    const future = await request('POST', `/api/campaigns/${campaign}/schedule`, { json: { sendAt: '2099-01-01T09:00:00+09:00' } });
    expect(past.status).toBe(422);
    expect(await future.json()).toMatchObject({ status: 'scheduled', sendAt: '2099-01-01T00:00:00.000Z' });
  });

  it('due scheduled campaign starts', async () => {
    const now = new Date('2026-06-01T09:05:00Z');
    const { db, deps } = setup({}, () => now);
    const list = await createList(db);
    await addManySubscribers(db, list, 2);
    const campaign = await createCampaign(db, { status: 'scheduled', sendAt: new Date('2026-06-01T09:00:00Z') });

    const result = await startDueCampaigns(deps);

    expect(result.started).toEqual([campaign]);
    const state = await db.selectFrom('campaigns').select(['status', 'audience_size']).executeTakeFirstOrThrow();
    expect(state).toEqual({ status: 'sending', audience_size: 2 });
  });

  it('late scheduled campaign waits for a person', async () => {
    const now = new Date('2026-06-01T12:00:00Z');
    const { db, deps } = setup({}, () => now);
    const list = await createList(db);
    await addManySubscribers(db, list, 2);
    const late = await createCampaign(db, { status: 'scheduled', sendAt: new Date('2026-06-01T09:00:00Z') });
    const lenient = await createCampaign(db, {
      status: 'scheduled',
      sendAt: new Date('2026-06-01T09:00:00Z'),
      compose: { maxLatenessMinutes: 240 },
    });

    const result = await startDueCampaigns(deps);

    expect(result.late).toEqual([late]);
    expect(result.started).toEqual([lenient]);
    const state = await db.selectFrom('campaigns').select(['status', 'status_reason']).where('id', '=', late).executeTakeFirstOrThrow();
    expect(state.status).toBe('scheduled');
    expect(state.status_reason).toContain('lateness limit');
    expect(await db.selectFrom('ledger').select('id').where('campaign_id', '=', late).execute()).toHaveLength(0);
  });

  it('recipients list filters by status and address', async () => {
    const { db, request, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 12);
    const campaign = await createCampaign(db);
    await request('POST', `/api/campaigns/${campaign}/send`);
    await worker().runOnce();

    const sent = await request('GET', `/api/campaigns/${campaign}/recipients?status=sent&pageSize=5`);
    const search = await request('GET', `/api/campaigns/${campaign}/recipients?q=R11@`);
    const counts = await request('GET', `/api/campaigns/${campaign}/counts`);

    const sentBody = (await sent.json()) as { items: { status: string; sesMessageId: string }[]; total: number; pageSize: number };
    expect(sentBody.total).toBe(10);
    expect(sentBody.items).toHaveLength(5);
    expect(sentBody.items.every((item) => item.status === 'sent' && item.sesMessageId.startsWith('rec-'))).toBe(true);
    const searchBody = (await search.json()) as { items: { email: string }[]; total: number };
    expect(searchBody.total).toBe(1);
    expect(searchBody.items[0]!.email).toBe('r11@example.org');
    expect(await counts.json()).toMatchObject({ audience: 12, sent: 10, queued: 2 });
  });
});
