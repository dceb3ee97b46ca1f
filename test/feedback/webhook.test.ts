import { readFileSync } from 'node:fs';
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { sharedFixture, sharedFixturesDir, sharedFixturesMissing } from '../helpers/fixtures.ts';
import {
  createSigningIdentity,
  fakeSnsFetch,
  notificationEnvelope,
  signEnvelope,
  TEST_TOPIC_ARN,
  type FakeSns,
} from '../helpers/sns.ts';
import { feedbackState, messageIds, notificationCount, seedFixtureSends, sesFixture, type Seeded } from './seed.ts';
import type { SnsEnvelope } from '../../src/feedback/sns.ts';

const identity = createSigningIdentity();

describe.skipIf(!sharedFixturesDir)(`ses webhook${sharedFixturesDir ? '' : ` (${sharedFixturesMissing})`}`, () => {
  describeEachDatabase('ses webhook', (database) => {
    let seeded: Seeded;
    let sns: FakeSns;

    function setup() {
      sns = fakeSnsFetch(identity.certificatePem);
      return createTestApp(database().db, { env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN }, app: { snsFetch: sns.fetch } });
    }

    async function post(envelope: SnsEnvelope | string, headers: Record<string, string> = {}) {
      const { request } = setup();
      return request('POST', '/api/webhooks/ses', {
        body: typeof envelope === 'string' ? envelope : JSON.stringify(envelope),
        headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-message-type': 'Notification', ...headers },
        token: null,
      });
    }

    async function deliver(fixture: string, version: '1' | '2' = '1') {
      const response = await post(notificationEnvelope(sesFixture(fixture), identity.privateKey, { version }));
      expect(response.status).toBe(200);
      return (await response.json()) as { status: string };
    }

    async function outcomeOf(key: string) {
      const row = await database().db.selectFrom('ledger').select('outcome').where('id', '=', seeded.ledger[key]!).executeTakeFirstOrThrow();
      return row.outcome;
    }

    async function suppressed() {
      const rows = await database().db.selectFrom('suppressions').select(['email', 'reason']).orderBy('email').execute();
      return Object.fromEntries(rows.map((row) => [row.email, row.reason]));
    }

    beforeEach(async () => {
      await database().reset();
      seeded = await seedFixtureSends(database().db);
    });

    it('bounce without DSN suppresses only bounced recipients', async () => {
      const answer = await deliver('notification_bounce_permanent_general_no_dsn.json');
      expect(answer.status).toBe('processed');
      expect(await suppressed()).toEqual({ 'jane@example.com': 'hard_bounce', 'richard@example.com': 'hard_bounce' });
      expect(await outcomeOf('bounceNoDsn:jane@example.com')).toBe('bounced');
      expect(await outcomeOf('bounceNoDsn:richard@example.com')).toBe('bounced');
      expect(await outcomeOf('bounceNoDsn:mary@example.com')).toBeNull();
    });

    it('bounce writes the consent log with the SES message id', async () => {
      await deliver('notification_bounce_permanent_general_no_dsn.json');
      const entries = await database()
        .db.selectFrom('consent_log')
        .select(['subscriber_id', 'action', 'source', 'details'])
        .orderBy('subscriber_id')
        .execute();
      expect(entries.map((entry) => [entry.subscriber_id, entry.action, entry.source])).toEqual([
        [seeded.subscribers['jane@example.com'], 'suppressed', 'bounce'],
        [seeded.subscribers['richard@example.com'], 'suppressed', 'bounce'],
      ]);
      expect(entries[0]!.details.sesMessageId).toBe(messageIds.bounceNoDsn);
    });

    it('bounce with DSN suppresses the bounced recipient', async () => {
      await deliver('notification_bounce_permanent_general_with_dsn.json', '2');
      expect(await suppressed()).toEqual({ 'jane@example.com': 'hard_bounce' });
      expect(await outcomeOf('bounceWithDsn:jane@example.com')).toBe('bounced');
      expect(await outcomeOf('bounceWithDsn:mary@example.com')).toBeNull();
    });

    it('mailbox full bounce stays soft', async () => {
      await deliver('DERIVED_notification_bounce_transient_mailboxfull.json');
      expect(await suppressed()).toEqual({});
      expect(await outcomeOf('bounceWithDsn:jane@example.com')).toBe('soft_bounced');
      const events = await database().db.selectFrom('feedback_events').select(['kind', 'detail']).execute();
      expect(events).toEqual([{ kind: 'soft_bounce', detail: 'Transient MailboxFull 5.2.2' }]);
    });

    for (const fixture of ['notification_complaint_with_feedback_report.json', 'notification_complaint_without_feedback_report.json']) {
      const key = fixture.includes('without') ? 'complaintWithoutReport' : 'complaintWithReport';

      it(`complaint ${key} suppresses and unsubscribes`, async () => {
        await deliver(fixture, '2');
        expect(await suppressed()).toEqual({ 'richard@example.com': 'complaint' });
        expect(await outcomeOf(`${key}:richard@example.com`)).toBe('complained');
        expect(await outcomeOf(`${key}:jane@example.com`)).toBeNull();
        const state = await feedbackState(database().db);
        expect(state.unsubscribed.map((row) => row.email)).toEqual(['richard@example.com', 'richard@example.com']);
        expect(state.consent).toEqual([
          { action: 'suppressed', source: 'complaint' },
          { action: 'unsubscribed', source: 'complaint' },
        ]);
      });
    }

    it('complaint consent entry names the lists', async () => {
      await deliver('notification_complaint_with_feedback_report.json');
      const entry = await database()
        .db.selectFrom('consent_log')
        .select(['lists', 'details'])
        .where('action', '=', 'unsubscribed')
        .executeTakeFirstOrThrow();
      expect(entry.lists).toEqual(['events', 'news']);
      expect(entry.details.sesMessageId).toBe(messageIds.complaintWithReport);
    });

    it('delivery marks the message delivered', async () => {
      await deliver('notification_delivery.json');
      expect(await outcomeOf('delivery:jane@example.com')).toBe('delivered');
      expect(await suppressed()).toEqual({});
    });

    it('event bounce suppresses the recipient', async () => {
      await deliver('event_bounce.json');
      expect(await suppressed()).toEqual({ 'recipient@example.com': 'hard_bounce' });
      expect(await outcomeOf('event:recipient@example.com')).toBe('bounced');
    });

    it('event complaint suppresses the recipient', async () => {
      await deliver('event_complaint.json');
      expect(await suppressed()).toEqual({ 'recipient@example.com': 'complaint' });
      expect(await outcomeOf('event:recipient@example.com')).toBe('complained');
    });

    it('event delivery marks delivered', async () => {
      await deliver('event_delivery.json', '2');
      expect(await outcomeOf('event:recipient@example.com')).toBe('delivered');
    });

    it('event send changes nothing', async () => {
      const before = await feedbackState(database().db);
      const answer = await deliver('event_send.json');
      expect(answer.status).toBe('processed');
      expect(await feedbackState(database().db)).toEqual(before);
      expect(await notificationCount(database().db)).toBe(1);
    });

    it('event open is counted', async () => {
      await deliver('event_open.json');
      const events = await database().db.selectFrom('engagement_events').selectAll().execute();
      expect(events).toHaveLength(1);
      expect(events[0]!.kind).toBe('open');
      expect(events[0]!.is_machine).toBe(false);
      expect(events[0]!.campaign_id).toBe(seeded.campaigns.event);
      expect(events[0]!.ledger_id).toBe(seeded.ledger['event:recipient@example.com']);
    });

    it('event click is counted with its link', async () => {
      await deliver('event_click.json', '2');
      const events = await database().db.selectFrom('engagement_events').selectAll().execute();
      expect(events).toHaveLength(1);
      expect(events[0]!.kind).toBe('click');
      expect(events[0]!.url).toBe('http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html');
      expect(events[0]!.is_machine).toBe(false);
    });

    it('hello world envelope is acknowledged and changes nothing', async () => {
      const fixture = JSON.parse(readFileSync(sharedFixture('ses', 'sns_notification_envelope_hello_world.json'), 'utf8'));
      const envelope = signEnvelope(
        {
          Type: 'Notification',
          MessageId: fixture.MessageId,
          TopicArn: fixture.TopicArn,
          Subject: fixture.Subject,
          Message: fixture.Message,
          Timestamp: fixture.Timestamp,
          UnsubscribeURL: fixture.UnsubscribeURL,
          SigningCertURL: fixture.SigningCertURL,
        },
        identity.privateKey,
      );
      const before = await feedbackState(database().db);
      const response = await post(envelope);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'ignored', messageId: fixture.MessageId });
      expect(await feedbackState(database().db)).toEqual(before);
    });

    it('subscription confirmation calls SubscribeURL once', async () => {
      const fixture = JSON.parse(readFileSync(sharedFixture('ses', 'sns_subscription_confirmation.json'), 'utf8'));
      const envelope = signEnvelope(
        {
          Type: 'SubscriptionConfirmation',
          MessageId: fixture.MessageId,
          TopicArn: fixture.TopicArn,
          Token: fixture.Token,
          Message: fixture.Message,
          SubscribeURL: fixture.SubscribeURL,
          Timestamp: fixture.Timestamp,
          SigningCertURL: fixture.SigningCertURL,
        },
        identity.privateKey,
      );
      const response = await post(envelope, { 'x-amz-sns-message-type': 'SubscriptionConfirmation' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'confirmed', messageId: fixture.MessageId });
      expect(sns.calls.filter((url) => url === fixture.SubscribeURL)).toHaveLength(1);
    });

    it('subscription confirmation with a foreign SubscribeURL is rejected', async () => {
      const envelope = signEnvelope(
        {
          Type: 'SubscriptionConfirmation',
          MessageId: 'confirm-foreign',
          TopicArn: TEST_TOPIC_ARN,
          Token: 'token',
          Message: 'confirm',
          SubscribeURL: 'https://sns.us-west-2.amazonaws.com.example.net/?Action=ConfirmSubscription',
          Timestamp: '2026-01-01T00:00:00.000Z',
        },
        identity.privateKey,
      );
      const response = await post(envelope);
      expect(response.status).toBe(403);
      expect(sns.calls.some((url) => url.includes('example.net'))).toBe(false);
    });

    it('subscription confirmation answered by a redirect fails', async () => {
      const envelope = signEnvelope(
        {
          Type: 'SubscriptionConfirmation',
          MessageId: 'confirm-redirect',
          TopicArn: TEST_TOPIC_ARN,
          Token: 'token',
          Message: 'confirm',
          SubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=t',
          Timestamp: '2026-01-01T00:00:00.000Z',
        },
        identity.privateKey,
      );
      const redirecting = createTestApp(database().db, {
        env: { SNS_TOPIC_ARNS: TEST_TOPIC_ARN },
        app: {
          snsFetch: async (url, init) => {
            expect(init.redirect).toBe('manual');
            if (url.endsWith('.pem')) return new Response(identity.certificatePem);
            return new Response(null, { status: 302, headers: { location: 'https://example.net/' } });
          },
        },
      });
      const response = await redirecting.request('POST', '/api/webhooks/ses', { body: JSON.stringify(envelope), token: null });
      expect(response.status).toBe(502);
      expect(await notificationCount(database().db)).toBe(0);
    });

    it('unsubscribe confirmation is acknowledged', async () => {
      const envelope = signEnvelope(
        {
          Type: 'UnsubscribeConfirmation',
          MessageId: 'unsubscribed-1',
          TopicArn: TEST_TOPIC_ARN,
          Token: 'token',
          Message: 'You have chosen to deactivate subscription',
          SubscribeURL: 'https://sns.us-west-2.amazonaws.com/?Action=ConfirmSubscription&Token=t',
          Timestamp: '2026-01-01T00:00:00.000Z',
        },
        identity.privateKey,
        '2',
      );
      const response = await post(envelope);
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ status: 'unsubscribed', messageId: 'unsubscribed-1' });
    });

    describe('rejections change nothing', () => {
      let before: Awaited<ReturnType<typeof feedbackState>>;
      const bounce = () => sesFixture('notification_bounce_permanent_general_no_dsn.json');

      beforeEach(async () => {
        before = await feedbackState(database().db);
      });

      async function expectRejected(response: Response) {
        expect(response.status).toBe(403);
        expect(await feedbackState(database().db)).toEqual(before);
        expect(await notificationCount(database().db)).toBe(0);
      }

      it('tampered body', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey);
        envelope.Message = envelope.Message.replace('richard@example.com', 'mary@example.com');
        await expectRejected(await post(envelope));
      });

      it('tampered subject', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey, { version: '2' });
        envelope.Subject = 'Added later';
        await expectRejected(await post(envelope));
      });

      it('signature by another key', async () => {
        const stranger = createSigningIdentity();
        await expectRejected(await post(notificationEnvelope(bounce(), stranger.privateKey)));
      });

      it('foreign certificate host', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey, {
          certUrl: 'https://sns.us-west-2.amazonaws.com.attacker.example/cert.pem',
        });
        await expectRejected(await post(envelope));
        expect(sns.calls).toEqual([]);
      });

      it('certificate host in another region', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey, {
          certUrl: 'https://sns.eu-west-1.amazonaws.com/cert.pem',
        });
        await expectRejected(await post(envelope));
        expect(sns.calls).toEqual([]);
      });

      it('http certificate URL', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey, {
          certUrl: 'http://sns.us-west-2.amazonaws.com/cert.pem',
        });
        await expectRejected(await post(envelope));
        expect(sns.calls).toEqual([]);
      });

      it('unknown topic', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey, {
          topicArn: 'arn:aws:sns:us-west-2:123456789012:OtherTopic',
        });
        await expectRejected(await post(envelope));
      });

      it('unknown signature version', async () => {
        const envelope = notificationEnvelope(bounce(), identity.privateKey);
        envelope.SignatureVersion = '3';
        await expectRejected(await post(envelope));
      });

      it('raw message delivery', async () => {
        await expectRejected(await post(JSON.stringify(bounce()), { 'x-amz-sns-rawdelivery': 'true' }));
      });

      it('body that is not JSON', async () => {
        await expectRejected(await post('Type=Notification'));
      });
    });

    it('raw delivery log names the setting', async () => {
      const lines: string[] = [];
      const { deps, request } = setup();
      deps.logger = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
      const response = await request('POST', '/api/webhooks/ses', {
        body: JSON.stringify(sesFixture('event_bounce.json')),
        headers: { 'content-type': 'text/plain; charset=UTF-8', 'x-amz-sns-rawdelivery': 'true' },
        token: null,
      });
      expect(response.status).toBe(403);
      const errors = lines.map((line) => JSON.parse(line) as { level: number; msg: string }).filter((entry) => entry.level >= 50);
      expect(errors).toHaveLength(1);
      expect(errors[0]!.msg).toContain('RawMessageDelivery');
      expect(await notificationCount(database().db)).toBe(0);
    });

    it('replayed MessageId is processed once', async () => {
      const envelope = notificationEnvelope(sesFixture('notification_bounce_permanent_general_no_dsn.json'), identity.privateKey);
      expect((await (await post(envelope)).json()) as unknown).toMatchObject({ status: 'processed' });
      const after = await feedbackState(database().db);
      const again = await post(envelope);
      expect(again.status).toBe(200);
      expect(await again.json()).toMatchObject({ status: 'duplicate' });
      expect(await feedbackState(database().db)).toEqual(after);
      expect(await notificationCount(database().db)).toBe(1);
    });

    it('same notification under a new MessageId is processed once', async () => {
      const message = sesFixture('notification_complaint_with_feedback_report.json');
      await post(notificationEnvelope(message, identity.privateKey, { messageId: 'first' }));
      const after = await feedbackState(database().db);
      const again = await post(notificationEnvelope(message, identity.privateKey, { messageId: 'second' }));
      expect(await again.json()).toMatchObject({ status: 'duplicate' });
      expect(await feedbackState(database().db)).toEqual(after);
    });

    it('certificate is fetched once', async () => {
      const { request } = setup();
      for (const fixture of ['event_send.json', 'event_delivery.json']) {
        const envelope = notificationEnvelope(sesFixture(fixture), identity.privateKey);
        const response = await request('POST', '/api/webhooks/ses', { body: JSON.stringify(envelope), token: null });
        expect(response.status).toBe(200);
      }
      expect(sns.calls.filter((url) => url.endsWith('.pem'))).toHaveLength(1);
    });

    it('raw notification is stored', async () => {
      const envelope = notificationEnvelope(sesFixture('event_send.json'), identity.privateKey, { messageId: 'stored-1' });
      await post(envelope);
      const row = await database()
        .db.selectFrom('feedback_notifications')
        .select(['raw', 'topic_arn', 'event_type', 'ses_message_id'])
        .where('message_id', '=', 'stored-1')
        .executeTakeFirstOrThrow();
      expect(row.raw).toEqual(envelope);
      expect(row.topic_arn).toBe(TEST_TOPIC_ARN);
      expect(row.event_type).toBe('Send');
      expect(row.ses_message_id).toBe(messageIds.event);
    });
  });
});
