import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { rateLevel, rateThresholds } from '../../src/feedback/health.ts';
import { replayNotifications } from '../../src/feedback/replay.ts';
import { createTestApp } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { createSigningIdentity, fakeSnsFetch, notificationEnvelope, TEST_TOPIC_ARN } from '../helpers/sns.ts';
import { bounceNotification, complaintNotification, createCampaign } from './seed.ts';

describe('rateLevel', () => {
  const cases: [number | null, 'bounce' | 'complaint', string][] = [
    [null, 'complaint', 'ok'],
    [0.0005, 'complaint', 'ok'],
    [0.0008, 'complaint', 'approaching'],
    [0.001, 'complaint', 'warning'],
    [0.003, 'complaint', 'critical'],
    [0.03, 'bounce', 'ok'],
    [0.04, 'bounce', 'approaching'],
    [0.05, 'bounce', 'warning'],
    [0.1, 'bounce', 'critical'],
  ];
  for (const [rate, what, expected] of cases) {
    it(`${what} rate ${rate} is ${expected}`, () => {
      expect(rateLevel(rate, rateThresholds[what])).toBe(expected);
    });
  }
});

describeEachDatabase('feedback health', (database) => {
  const identity = createSigningIdentity();
  const otherTopic = 'arn:aws:sns:eu-west-1:123456789012:Gazette-Events';
  const now = new Date('2026-03-02T09:00:00.000Z');

  function app(env: Record<string, string> = {}) {
    const sns = fakeSnsFetch(identity.certificatePem);
    return createTestApp(database().db, {
      env: { SNS_TOPIC_ARNS: `${TEST_TOPIC_ARN},${otherTopic}`, ...env },
      app: { snsFetch: sns.fetch },
      now: () => now,
    });
  }

  /** Creates `count` subscribers with a sent ledger row each in one campaign; returns the addresses. */
  async function sendTo(campaignId: string, count: number): Promise<string[]> {
    await sql`
      insert into subscribers (email)
      select 'member' || n || '-' || ${campaignId}::text || '@parliament.example' from generate_series(1, ${count}::int) as n
    `.execute(database().db);
    await sql`
      insert into ledger (campaign_id, subscriber_id, email, status, ses_message_id, sent_at)
      select ${campaignId}::bigint, id, email, 'sent', 'ses-' || email, ${now.toISOString()}::timestamptz - interval '1 hour'
      from subscribers where email like ${`%-${campaignId}@parliament.example`}
    `.execute(database().db);
    const rows = await database()
      .db.selectFrom('ledger')
      .select('email')
      .where('campaign_id', '=', campaignId)
      .orderBy('id')
      .execute();
    return rows.map((row) => row.email);
  }

  async function health(request: ReturnType<typeof app>['request']) {
    const response = await request('GET', '/api/feedback/health');
    expect(response.status).toBe(200);
    return (await response.json()) as {
      status: string;
      topics: { topicArn: string; lastNotificationAt: string | null; notifications: number }[];
      sends: number;
      bounces: { count: number; rate: number | null; level: string };
      complaints: { count: number; rate: number | null; level: string };
      warnings: string[];
    };
  }

  beforeEach(async () => {
    await database().reset();
  });

  it('topic without notifications warns', async () => {
    const { request } = app();
    const body = await health(request);
    expect(body.topics.map((topic) => [topic.topicArn, topic.lastNotificationAt])).toEqual([
      [TEST_TOPIC_ARN, null],
      [otherTopic, null],
    ]);
    expect(body.warnings.filter((warning) => warning.includes('No notification has arrived'))).toHaveLength(2);
    expect(body.status).toBe('ok');
  });

  it('last notification time per topic', async () => {
    const { request } = app();
    const envelope = notificationEnvelope(
      bounceNotification({ messageId: 'ses-x', recipients: [{ emailAddress: 'someone@ministry.example', status: '5.1.1' }] }),
      identity.privateKey,
    );
    const delivered = await request('POST', '/api/webhooks/ses', { body: JSON.stringify(envelope), token: null });
    expect(delivered.status).toBe(200);
    const body = await health(request);
    const topic = body.topics.find((entry) => entry.topicArn === TEST_TOPIC_ARN)!;
    expect(topic.lastNotificationAt).toBe(now.toISOString());
    expect(topic.notifications).toBe(1);
    expect(body.warnings.filter((warning) => warning.includes('No notification has arrived'))).toEqual([
      `No notification has arrived from ${otherTopic} yet: check that its SNS subscription is confirmed.`,
    ]);
  });

  it('bounce rate above five percent warns', async () => {
    const { deps, request } = app();
    const campaignId = await createCampaign(database().db, 'sent');
    const addresses = await sendTo(campaignId, 40);
    const bounces = addresses.slice(0, 2).map((email) =>
      bounceNotification({ messageId: `ses-${email}`, recipients: [{ emailAddress: email, status: '5.1.1' }], sentAt: '2026-03-02T08:00:00.000Z' }),
    );
    await replayNotifications(deps, bounces);
    const body = await health(request);
    expect(body.sends).toBe(40);
    expect(body.bounces).toMatchObject({ count: 2, rate: 0.05, level: 'warning' });
    expect(body.status).toBe('warning');
    expect(body.warnings).toContain('The bounce rate is 5.0%, above 5.0%: SES may review the account.');
  });

  it('complaint rate above the limit pauses', async () => {
    const { deps } = app({ COMPLAINT_PAUSE_RATE: '0.03', COMPLAINT_PAUSE_MIN_SENDS: '40' });
    const campaignId = await createCampaign(database().db, 'sending');
    const addresses = await sendTo(campaignId, 40);

    await replayNotifications(deps, [complaintNotification({ messageId: `ses-${addresses[0]}`, emails: [addresses[0]!] })]);
    let campaign = await database().db.selectFrom('campaigns').select(['status', 'status_reason']).executeTakeFirstOrThrow();
    expect(campaign.status).toBe('sending');

    const result = await replayNotifications(deps, [complaintNotification({ messageId: `ses-${addresses[1]}`, emails: [addresses[1]!] })]);
    expect(result.counts.processed).toBe(1);
    campaign = await database().db.selectFrom('campaigns').select(['status', 'status_reason']).executeTakeFirstOrThrow();
    expect(campaign.status).toBe('paused');
    expect(campaign.status_reason).toContain('complaint rate 5.00% (2 of 40 sent)');
    const audit = await database().db.selectFrom('audit_log').select(['actor', 'action', 'target']).execute();
    expect(audit).toEqual([{ actor: 'feedback', action: 'campaign.paused', target: `campaign:${campaignId}` }]);
  });

  it('few sends never pause', async () => {
    const { deps } = app({ COMPLAINT_PAUSE_RATE: '0.02', COMPLAINT_PAUSE_MIN_SENDS: '500' });
    const campaignId = await createCampaign(database().db, 'sending');
    const addresses = await sendTo(campaignId, 10);
    await replayNotifications(
      deps,
      addresses.slice(0, 3).map((email) => complaintNotification({ messageId: `ses-${email}`, emails: [email] })),
    );
    const campaign = await database().db.selectFrom('campaigns').select('status').executeTakeFirstOrThrow();
    expect(campaign.status).toBe('sending');
  });

  it('invalid window is rejected', async () => {
    const { request } = app();
    const response = await request('GET', '/api/feedback/health?days=0');
    expect(response.status).toBe(422);
  });
});
