import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createSendWorker, type SendWorkerOptions } from '../../src/delivery/worker.ts';
import { startSend } from '../../src/delivery/ledger.ts';
import { cancelCampaign, pauseCampaign, resumeCampaign } from '../../src/delivery/controls.ts';
import { renderedFromColumns, type RenderedLoader } from '../../src/delivery/rendered-source.ts';
import { suppressAddress } from '../../src/feedback/suppressions.ts';
import type { Environment } from '../../src/config.ts';
import type { Db } from '../../src/db/connect.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { rawHeader, startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { addManySubscribers, addSubscribers, createCampaign, createList, ledgerStatuses } from './setup.ts';

const quickBackoff = { baseMs: 1, maxMs: 5, maxRetries: 50 };

describeEachDatabase('sending', (database) => {
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

  const setup = (env: Environment = {}) => {
    const test = createTestApp(database().db, {
      env: { SES_ENDPOINT: ses.url, SES_MAX_SEND_RATE: '5000', SEND_BATCH_SIZE: '10', SEND_CONCURRENCY: '4', ...env },
    });
    test.deps.mailer = createSesMailer(test.deps.config.ses);
    const worker = (options: SendWorkerOptions = {}) => createSendWorker(test.deps, { backoff: quickBackoff, ...options });
    return { ...test, db: database().db as Db, worker };
  };

  it('ledger excludes suppressed, unsubscribed and unconfirmed', async () => {
    const { db, deps } = setup();
    const list = await createList(db);
    await addSubscribers(db, list, [
      { email: 'ok@example.org' },
      { email: 'unconfirmed@example.org', status: 'unconfirmed' },
      { email: 'gone@example.org', status: 'unsubscribed' },
      { email: 'bounced@example.org' },
      { email: 'blocked@example.org', subscriberStatus: 'blocklisted' },
    ]);
    await suppressAddress(db, deps.signer, { email: 'bounced@example.org', reason: 'hard_bounce' });
    const campaign = await createCampaign(db);

    const result = await startSend(deps, campaign);

    expect(result.audienceSize).toBe(1);
    expect(await ledgerStatuses(db, campaign)).toEqual({ 'ok@example.org': 'queued' });
  });

  it('startSend twice writes the ledger once', async () => {
    const { db, deps } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 5);
    const campaign = await createCampaign(db);

    const first = await startSend(deps, campaign);
    const second = await startSend(deps, campaign);

    expect(first.started).toBe(true);
    expect(second.started).toBe(false);
    expect(second.audienceSize).toBe(5);
    const count = await db.selectFrom('ledger').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(5);
  });

  it('worker sends every row once and finishes', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 25);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);

    await worker().drain();

    expect(ses.messages).toHaveLength(25);
    expect([...ses.countsByAddress().values()].every((n) => n === 1)).toBe(true);
    const rows = await db.selectFrom('ledger').select(['status', 'ses_message_id']).execute();
    expect(rows.every((row) => row.status === 'sent')).toBe(true);
    const recorded = new Set(ses.messages.map((message) => message.messageId));
    expect(rows.every((row) => recorded.has(row.ses_message_id!))).toBe(true);
    const state = await db.selectFrom('campaigns').select(['status', 'finished_at']).executeTakeFirstOrThrow();
    expect(state.status).toBe('sent');
    expect(state.finished_at).not.toBeNull();
  });

  it('one-click headers on every message', async () => {
    const { db, deps, worker } = setup({ UNSUBSCRIBE_MAILTO: 'unsubscribe@news.example.org', SES_CONFIGURATION_SET: 'gazette-events' });
    const list = await createList(db);
    await addManySubscribers(db, list, 12);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    await worker().drain();

    expect(ses.messages).toHaveLength(12);
    for (const message of ses.messages) {
      const mail = await ses.parse(message);
      const unsubscribe = rawHeader(mail, 'List-Unsubscribe') ?? '';
      expect(unsubscribe).toMatch(/^<https:\/\/news\.example\.org\/unsubscribe\/[^>]+>, <mailto:unsubscribe@news\.example\.org\?subject=unsubscribe>$/);
      expect(rawHeader(mail, 'List-Unsubscribe-Post')).toBe('List-Unsubscribe=One-Click');
      expect(rawHeader(mail, 'List-Id')).toBe('Monthly news <monthly.news.example.org>');
      expect(rawHeader(mail, 'X-Gazette-Campaign')).toBe(campaign);
      expect(rawHeader(mail, 'Feedback-ID')).toBe(`${campaign}:gazette`);
      expect(message.configurationSet).toBe('gazette-events');
      expect(mail.text).toContain('Unsubscribe: https://news.example.org/unsubscribe/');
      expect(mail.html).toContain('https://news.example.org/preferences/');
    }
  });

  it('unsubscribe link names the campaign lists', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    const [id] = await addSubscribers(db, list, [{ email: 'ana@example.org', name: 'Ana' }]);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    await worker().drain();

    const mail = await ses.parse(ses.messages[0]!);
    const token = (rawHeader(mail, 'List-Unsubscribe') ?? '').match(/unsubscribe\/([^>]+)>/)![1]!;
    const payload = await deps.signer.verify('unsubscribe', token);
    expect(payload).toEqual({ ok: true, data: { s: id, l: [list], c: campaign } });
  });

  it('non-ASCII From and Subject use RFC 2047', async () => {
    const { db, deps, worker } = setup({ MAIL_FROM: 'Fórum de Governança <news@example.org>' });
    const list = await createList(db);
    await addSubscribers(db, list, [{ email: 'jose@example.org', name: 'José <b>' }]);
    const campaign = await createCampaign(db, { subject: 'Café et gouvernance — numéro 3' });
    await startSend(deps, campaign);
    await worker().drain();

    const mail = await ses.parse(ses.messages[0]!);
    expect(rawHeader(mail, 'Subject')).toMatch(/^=\?UTF-8\?[QB]\?/);
    expect(rawHeader(mail, 'From')).toMatch(/^=\?UTF-8\?[QB]\?.*\?= <news@example\.org>$/);
    expect(mail.subject).toBe('Café et gouvernance — numéro 3');
    expect(mail.from?.value[0]?.name).toBe('Fórum de Governança');
    expect(mail.html).toContain('Dear José &lt;b&gt;,');
    expect(mail.text).toContain('Dear José <b>,');
  });

  it('throttling on a third of calls delivers everything once', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 60);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    ses.inject({ error: 'throttling', fraction: 1 / 3 });

    const sender = worker();
    await sender.drain();

    const counts = ses.countsByAddress();
    expect(counts.size).toBe(60);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    expect(ses.calls.filter((call) => call.error === 'TooManyRequestsException').length).toBeGreaterThanOrEqual(29);
    expect(Object.values(await ledgerStatuses(db, campaign)).every((status) => status === 'sent')).toBe(true);
    const failed = await db.selectFrom('ledger').select('id').where('status', '=', 'failed').execute();
    expect(failed).toHaveLength(0);
  });

  it('5xx answers are retried, not failed', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 6);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    ses.inject({ error: 'serviceUnavailable', next: 4 });

    await worker().drain();

    expect(ses.countsByAddress().size).toBe(6);
    expect(Object.values(await ledgerStatuses(db, campaign)).every((status) => status === 'sent')).toBe(true);
  });

  it('pause stops claiming and resume finishes', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 30);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    const sender = worker();

    await sender.runOnce();
    await pauseCampaign(deps, campaign, 'editor@example.org');
    await sender.drain();
    const duringPause = ses.messages.length;
    const paused = await db.selectFrom('campaigns').select('status').executeTakeFirstOrThrow();

    await resumeCampaign(deps, campaign, 'editor@example.org');
    await sender.drain();

    expect(duringPause).toBe(10);
    expect(paused.status).toBe('paused');
    expect(ses.countsByAddress().size).toBe(30);
    expect([...ses.countsByAddress().values()].every((n) => n === 1)).toBe(true);
    const state = await db.selectFrom('campaigns').select('status').executeTakeFirstOrThrow();
    expect(state.status).toBe('sent');
  });

  it('mid-send unsubscribe, bounce and complaint skip the rest', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 30);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    const sender = worker();
    await sender.runOnce();

    const late = await db.selectFrom('subscribers').select(['id', 'email']).where('email', 'in', ['r20@example.org', 'r21@example.org', 'r22@example.org']).execute();
    const byEmail = Object.fromEntries(late.map((row) => [row.email, row.id]));
    await db.updateTable('subscriptions').set({ status: 'unsubscribed' }).where('subscriber_id', '=', byEmail['r20@example.org']!).execute();
    await suppressAddress(db, deps.signer, { email: 'r21@example.org', reason: 'hard_bounce' });
    await suppressAddress(db, deps.signer, { email: 'R22@example.org', reason: 'complaint' });
    await sender.drain();

    const counts = ses.countsByAddress();
    expect(counts.has('r20@example.org')).toBe(false);
    expect(counts.has('r21@example.org')).toBe(false);
    expect(counts.has('r22@example.org')).toBe(false);
    expect(counts.size).toBe(27);
    const skipped = await db.selectFrom('ledger').select(['email', 'error']).where('status', '=', 'skipped').orderBy('email').execute();
    expect(skipped).toEqual([
      { email: 'r20@example.org', error: 'unsubscribed' },
      { email: 'r21@example.org', error: 'suppressed (hard_bounce)' },
      { email: 'r22@example.org', error: 'suppressed (complaint)' },
    ]);
  });

  it('cancel mid-send skips the rest', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 30);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    const sender = worker();
    await sender.runOnce();

    await cancelCampaign(deps, campaign, 'editor@example.org');
    await sender.drain();

    expect(ses.messages).toHaveLength(10);
    const statuses = Object.values(await ledgerStatuses(db, campaign));
    expect(statuses.filter((status) => status === 'sent')).toHaveLength(10);
    expect(statuses.filter((status) => status === 'skipped')).toHaveLength(20);
    const state = await db.selectFrom('campaigns').select('status').executeTakeFirstOrThrow();
    expect(state.status).toBe('cancelled');
  });

  it('per-topic campaign gets topics from the first batch', async () => {
    const { db, deps } = setup();
    const list = await createList(db);
    const [withTopic, without] = await addSubscribers(db, list, [{ email: 'topic@example.org' }, { email: 'none@example.org' }]);
    const topic = await db.insertInto('topics').values({ slug: 'digital', name: 'Digital government' }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('subscriber_topics').values({ subscriber_id: withTopic!, topic_id: topic.id }).execute();
    const campaign = await createCampaign(db);
    const base = await renderedFromColumns(deps, campaign);
    const loadRendered: RenderedLoader = async () => ({
      ...base,
      perTopic: true,
      bodyFor: ({ topics }) => (topics?.includes('digital') ? base.bodyFor({ subscriberId: '0' }) : undefined),
    });
    await startSend(deps, campaign, { loadRendered });

    await createSendWorker(deps, { backoff: quickBackoff, loadRendered }).drain();

    expect([...ses.countsByAddress().keys()]).toEqual(['topic@example.org']);
    const skipped = await db.selectFrom('ledger').select(['subscriber_id', 'error']).where('status', '=', 'skipped').execute();
    expect(skipped).toEqual([{ subscriber_id: without, error: 'no content for this recipient' }]);
  });

  it('rejected message fails its row with the reason', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addSubscribers(db, list, [{ email: 'a@example.org' }, { email: 'bad@example.org' }]);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    ses.inject({ error: 'messageRejected', when: (to) => to.includes('bad@example.org') });

    await worker().drain();

    const row = await db.selectFrom('ledger').select(['status', 'error']).where('email', '=', 'bad@example.org').executeTakeFirstOrThrow();
    expect(row.status).toBe('failed');
    expect(row.error).toContain('MessageRejected');
    expect(ses.countsByAddress().get('a@example.org')).toBe(1);
  });

  it('account paused pauses the campaign with the reason', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 8);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    ses.inject({ error: 'accountPaused' });

    await worker().drain();

    const state = await db.selectFrom('campaigns').select(['status', 'status_reason']).executeTakeFirstOrThrow();
    expect(state.status).toBe('paused');
    expect(state.status_reason).toContain('SES account sending is paused');
    expect(Object.values(await ledgerStatuses(db, campaign)).every((status) => status === 'queued')).toBe(true);
  });

  it('expired lease becomes uncertain and is not resent', async () => {
    const { db, deps, worker } = setup();
    const list = await createList(db);
    await addManySubscribers(db, list, 3);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    // A worker that claimed a row and died: the lease is in the past.
    await db
      .updateTable('ledger')
      .set({ status: 'sending', worker_id: 'dead', lease_until: new Date(Date.now() - 60_000) })
      .where('email', '=', 'r0@example.org')
      .execute();

    await worker().drain();

    expect(ses.countsByAddress().has('r0@example.org')).toBe(false);
    expect(ses.countsByAddress().size).toBe(2);
    const statuses = await ledgerStatuses(db, campaign);
    expect(statuses['r0@example.org']).toBe('uncertain');
    const state = await db.selectFrom('campaigns').select(['status', 'status_reason']).executeTakeFirstOrThrow();
    expect(state.status).toBe('sent');
    expect(state.status_reason).toContain('1 recipients are uncertain');
  });
});
