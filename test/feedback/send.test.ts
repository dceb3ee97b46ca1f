import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { mergeFields } from '../../src/campaigns/merge-fields.ts';
import { testSend } from '../../src/delivery/controls.ts';
import { startSend } from '../../src/delivery/ledger.ts';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { startRecordingSes, type RecordingSes } from '../helpers/recording-ses.ts';
import { createSigningIdentity, fakeSnsFetch, notificationEnvelope, TEST_TOPIC_ARN } from '../helpers/sns.ts';
import { addManySubscribers, createCampaign, createList } from '../delivery/setup.ts';
import { bounceNotification, complaintNotification } from './seed.ts';

const identity = createSigningIdentity();
const browser = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Safari/605.1.15';

describeEachDatabase('feedback during a send', (database) => {
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
  });

  function setup() {
    const sns = fakeSnsFetch(identity.certificatePem);
    const test = createTestApp(database().db, {
      env: { SES_ENDPOINT: ses.url, SES_MAX_SEND_RATE: '5000', SEND_BATCH_SIZE: '10', SEND_CONCURRENCY: '2', SNS_TOPIC_ARNS: TEST_TOPIC_ARN },
      app: { snsFetch: sns.fetch },
    });
    test.deps.mailer = createSesMailer(test.deps.config.ses);
    const worker = createSendWorker(test.deps, { backoff: { baseMs: 1, maxMs: 5, maxRetries: 50 } });
    const notify = async (message: Record<string, unknown>) => {
      const envelope = notificationEnvelope(message, identity.privateKey, { version: '2' });
      const response = await test.request('POST', '/api/webhooks/ses', { body: JSON.stringify(envelope), token: null });
      expect(response.status).toBe(200);
    };
    return { ...test, worker, notify };
  }

  it('bounce and complaint reach the rest of the send', async () => {
    const { deps, worker, notify } = setup();
    const db = database().db;
    const list = await createList(db);
    await addManySubscribers(db, list, 30);
    const campaign = await createCampaign(db);
    await startSend(deps, campaign);
    await worker.runOnce();

    const sent = await db.selectFrom('ledger').select(['email', 'ses_message_id']).where('status', '=', 'sent').orderBy('id').execute();
    expect(sent).toHaveLength(10);
    const first = sent[0]!;
    const sentEmails = new Set(sent.map((row) => row.email));
    const [later, complainer] = Array.from({ length: 30 }, (_, i) => `r${i}@example.org`).filter((email) => !sentEmails.has(email));

    // A bounce of this send, matched by the SES message id the worker recorded.
    await notify(bounceNotification({ messageId: first.ses_message_id!, recipients: [{ emailAddress: first.email, status: '5.1.1' }] }));
    // A bounce and a complaint about earlier mail to addresses still queued in this send.
    await notify(bounceNotification({ messageId: 'ses-earlier-issue', recipients: [{ emailAddress: later!, status: '5.1.1' }] }));
    await notify(complaintNotification({ messageId: 'ses-earlier-digest', emails: [complainer!] }));
    await worker.drain();

    const counts = ses.countsByAddress();
    expect(counts.has(later!)).toBe(false);
    expect(counts.has(complainer!)).toBe(false);
    expect(counts.size).toBe(28);
    const skipped = await db.selectFrom('ledger').select(['email', 'error']).where('status', '=', 'skipped').orderBy('email').execute();
    expect(skipped).toHaveLength(2);
    expect(skipped.find((row) => row.email === later)?.error).toBe('suppressed (hard_bounce)');
    expect(skipped.find((row) => row.email === complainer)?.error).toMatch(/suppressed \(complaint\)|unsubscribed/);
    const bounced = await db.selectFrom('ledger').select('outcome').where('email', '=', first.email).executeTakeFirstOrThrow();
    expect(bounced.outcome).toBe('bounced');
  });

  it('tracked campaign links record clicks', async () => {
    const { deps, worker, request } = setup();
    const db = database().db;
    const list = await createList(db);
    await addManySubscribers(db, list, 2);
    const html = `<p>Read <a href="https://www.example.org/report?id=7&amp;lang=en">the report</a>.</p><p><a href="${mergeFields.unsubscribeUrl}">Unsubscribe</a></p>`;
    const tracked = await createCampaign(db, { html });
    await db.updateTable('campaigns').set({ click_tracking: true }).where('id', '=', tracked).execute();
    await startSend(deps, tracked);
    await worker.drain();

    expect(ses.messages).toHaveLength(2);
    const mail = await ses.parse(ses.messages[0]!);
    const links = [...String(mail.html).matchAll(/href="([^"]+)"/g)].map((match) => match[1]!.replace(/&amp;/g, '&'));
    expect(links[0]).toMatch(/^https:\/\/news\.example\.org\/r\//);
    expect(links[1]).toMatch(/^https:\/\/news\.example\.org\/unsubscribe\//);

    const response = await request('GET', new URL(links[0]!).pathname, { token: null, headers: { 'user-agent': browser } });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://www.example.org/report?id=7&lang=en');
    const clicks = await db.selectFrom('engagement_events').select(['campaign_id', 'ledger_id', 'is_machine']).execute();
    expect(clicks).toHaveLength(1);
    expect(clicks[0]!.campaign_id).toBe(tracked);
    expect(clicks[0]!.ledger_id).not.toBeNull();
  });

  it('untracked campaign keeps its links', async () => {
    const { deps, worker } = setup();
    const db = database().db;
    const list = await createList(db);
    await addManySubscribers(db, list, 1);
    const campaign = await createCampaign(db, { html: '<p><a href="https://www.example.org/report">Report</a></p>' });
    await startSend(deps, campaign);
    await worker.drain();
    const mail = await ses.parse(ses.messages[0]!);
    expect(String(mail.html)).toContain('href="https://www.example.org/report"');
  });

  it('test send feedback is matched', async () => {
    const { deps, notify } = setup();
    const db = database().db;
    const list = await createList(db);
    await addManySubscribers(db, list, 1);
    const campaign = await createCampaign(db);
    const result = await testSend(deps, campaign, ['editor@news.example.org'], { actor: 'test' });
    const messageId = result.results[0]!.messageId!;

    await notify(bounceNotification({ messageId, recipients: [{ emailAddress: 'editor@news.example.org', status: '5.1.1' }] }));

    const sent = await db.selectFrom('sent_messages').select(['kind', 'outcome', 'campaign_id']).executeTakeFirstOrThrow();
    expect(sent).toEqual({ kind: 'test', outcome: 'bounced', campaign_id: campaign });
    const ledger = await db.selectFrom('ledger').select('id').execute();
    expect(ledger).toEqual([]);
  });
});
