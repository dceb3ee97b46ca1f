import { beforeEach, expect, it } from 'vitest';
import { replayNotifications } from '../../src/feedback/replay.ts';
import { recordSentMessage } from '../../src/feedback/sent-messages.ts';
import { suppressionOf } from '../../src/feedback/suppressions.ts';
import { testDeps } from '../helpers/app.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import {
  addLedgerRow,
  bounceNotification,
  complaintNotification,
  createCampaign,
  createSubscriber,
  type BounceOptions,
} from './seed.ts';

describeEachDatabase('bounce and complaint handling', (database) => {
  const email = 'delegate@ministry.example';
  let subscriberId: string;

  function deps() {
    return testDeps(database().db);
  }

  async function process(...notifications: Record<string, unknown>[]) {
    const result = await replayNotifications(deps(), notifications);
    expect(result.counts.failed).toBe(0);
    expect(result.counts.invalid).toBe(0);
    return result;
  }

  async function suppression(address = email) {
    const row = await database().db.selectFrom('suppressions').select('reason').where('email', '=', address).executeTakeFirst();
    return row?.reason;
  }

  async function outcome(ledgerId: string) {
    const row = await database().db.selectFrom('ledger').select('outcome').where('id', '=', ledgerId).executeTakeFirstOrThrow();
    return row.outcome;
  }

  async function eventKinds() {
    const rows = await database().db.selectFrom('feedback_events').select('kind').orderBy('id').execute();
    return rows.map((row) => row.kind);
  }

  /** Sends `count` campaigns to the address, one minute apart, and returns their SES message ids. */
  async function sendCampaigns(count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index += 1) {
      const campaignId = await createCampaign(database().db, 'sent');
      const sesMessageId = `ses-${index}`;
      await addLedgerRow(database().db, {
        campaignId,
        subscriberId,
        email,
        sesMessageId,
        sentAt: new Date(Date.UTC(2026, 2, 1, 10, index)),
      });
      ids.push(sesMessageId);
    }
    return ids;
  }

  function softBounce(messageId: string, extra: Partial<BounceOptions> = {}) {
    return bounceNotification({
      messageId,
      bounceType: 'Transient',
      bounceSubType: 'MailboxFull',
      recipients: [{ emailAddress: email, status: '5.2.2', diagnosticCode: 'smtp; 552 5.2.2 Mailbox full' }],
      ...extra,
    });
  }

  beforeEach(async () => {
    await database().reset();
    subscriberId = await createSubscriber(database().db, email, ['news', 'events']);
  });

  it('three soft bounces in five sends suppress', async () => {
    const sends = await sendCampaigns(5);
    await process(softBounce(sends[0]!), softBounce(sends[2]!));
    expect(await suppression()).toBeUndefined();

    await process(softBounce(sends[4]!));
    expect(await suppression()).toBe('soft_bounces');
    const consent = await database().db.selectFrom('consent_log').select(['action', 'source', 'details']).execute();
    expect(consent).toHaveLength(1);
    expect(consent[0]!.action).toBe('suppressed');
    expect(consent[0]!.source).toBe('bounce');
    expect(consent[0]!.details.sesMessageId).toBe(sends[4]);
    expect(consent[0]!.details.softBounces).toBe(3);
  });

  it('soft bounces outside the window do not suppress', async () => {
    const sends = await sendCampaigns(7);
    // Bounces on the 1st, 2nd and 7th send: only one of them is among the last five.
    await process(softBounce(sends[0]!), softBounce(sends[1]!), softBounce(sends[6]!));
    expect(await suppression()).toBeUndefined();
    expect(await eventKinds()).toEqual(['soft_bounce', 'soft_bounce', 'soft_bounce']);
  });

  it('soft bounce marks the ledger soft_bounced', async () => {
    const [sent] = await sendCampaigns(1);
    await process(softBounce(sent!));
    const row = await database().db.selectFrom('ledger').select('outcome').where('ses_message_id', '=', sent!).executeTakeFirstOrThrow();
    expect(row.outcome).toBe('soft_bounced');
  });

  it('auto-replies never count', async () => {
    const sends = await sendCampaigns(3);
    const autoReplies = sends.map((messageId) =>
      bounceNotification({ messageId, bounceType: 'Transient', bounceSubType: 'General', recipients: [{ emailAddress: email }] }),
    );
    await process(...autoReplies);
    expect(await suppression()).toBeUndefined();
    expect(await eventKinds()).toEqual(['uncounted_bounce', 'uncounted_bounce', 'uncounted_bounce']);
    const outcomes = await database().db.selectFrom('ledger').select('outcome').execute();
    expect(outcomes.map((row) => row.outcome)).toEqual([null, null, null]);
  });

  it('transient 5.4.4 invalid domain is hard', async () => {
    const [sent] = await sendCampaigns(1);
    await process(
      bounceNotification({
        messageId: sent!,
        bounceType: 'Transient',
        bounceSubType: 'General',
        recipients: [{ emailAddress: email, status: '5.4.4', diagnosticCode: 'smtp; 5.4.4 Invalid domain' }],
      }),
    );
    expect(await suppression()).toBe('hard_bounce');
    expect(await eventKinds()).toEqual(['hard_bounce']);
  });

  it('account suppression list suppresses without a new bounce', async () => {
    const [sent] = await sendCampaigns(1);
    await process(
      bounceNotification({
        messageId: sent!,
        bounceType: 'Permanent',
        bounceSubType: 'OnAccountSuppressionList',
        recipients: [{ emailAddress: email, diagnosticCode: 'Amazon SES did not send the message to this address' }],
      }),
    );
    expect(await suppression()).toBe('hard_bounce');
    expect(await eventKinds()).toEqual(['suppressed_bounce']);
  });

  it('mixed-case address suppresses the stored one', async () => {
    const [sent] = await sendCampaigns(1);
    await process(bounceNotification({ messageId: sent!, recipients: [{ emailAddress: 'Delegate@Ministry.Example', status: '5.1.1' }] }));
    expect(await suppression()).toBe('hard_bounce');
    expect(await suppressionOf(database().db, deps().signer, email)).toBe('hard_bounce');
  });

  it('not-spam feedback changes nothing', async () => {
    const [sent] = await sendCampaigns(1);
    await process(complaintNotification({ messageId: sent!, emails: [email], feedbackType: 'not-spam' }));
    expect(await suppression()).toBeUndefined();
    const subscriptions = await database().db.selectFrom('subscriptions').select('status').execute();
    expect(subscriptions.map((row) => row.status)).toEqual(['confirmed', 'confirmed']);
  });

  it('complaint unsubscribes from every list', async () => {
    const [sent] = await sendCampaigns(1);
    await process(complaintNotification({ messageId: sent!, emails: [email], feedbackType: 'abuse' }));
    expect(await suppression()).toBe('complaint');
    const subscriptions = await database().db.selectFrom('subscriptions').select('status').execute();
    expect(subscriptions.map((row) => row.status)).toEqual(['unsubscribed', 'unsubscribed']);
  });

  it('complaint after a hard bounce keeps one suppression', async () => {
    const [sent] = await sendCampaigns(1);
    await process(bounceNotification({ messageId: sent!, recipients: [{ emailAddress: email, status: '5.1.1' }] }));
    await process(complaintNotification({ messageId: sent!, emails: [email] }));
    expect(await suppression()).toBe('hard_bounce');
    const rows = await database().db.selectFrom('suppressions').select('id').execute();
    expect(rows).toHaveLength(1);
  });

  it('late delivery keeps the bounce outcome', async () => {
    const [sent] = await sendCampaigns(1);
    await process(bounceNotification({ messageId: sent!, recipients: [{ emailAddress: email, status: '5.1.1' }] }));
    await process({
      notificationType: 'Delivery',
      mail: { timestamp: '2026-03-01T10:00:00.000Z', messageId: sent!, destination: [email] },
      delivery: { timestamp: '2026-03-01T10:05:00.000Z', recipients: [email] },
    });
    const row = await database().db.selectFrom('ledger').select('outcome').where('ses_message_id', '=', sent!).executeTakeFirstOrThrow();
    expect(row.outcome).toBe('bounced');
  });

  it('campaign header matches an unrecorded send', async () => {
    const campaignId = await createCampaign(database().db);
    // The send's outcome was never confirmed, so the ledger has no SES message id.
    const ledgerId = await addLedgerRow(database().db, { campaignId, subscriberId, email });
    await process(
      bounceNotification({
        messageId: 'ses-unrecorded',
        recipients: [{ emailAddress: email, status: '5.1.1' }],
        headers: [{ name: 'X-Gazette-Campaign', value: campaignId }],
      }),
    );
    expect(await outcome(ledgerId)).toBe('bounced');
    expect(await suppression()).toBe('hard_bounce');
  });

  it('campaign tag matches an unrecorded send', async () => {
    const campaignId = await createCampaign(database().db);
    const ledgerId = await addLedgerRow(database().db, { campaignId, subscriberId, email });
    await process(
      bounceNotification({
        messageId: 'ses-tagged',
        recipients: [{ emailAddress: email, status: '5.1.1' }],
        tags: { campaign: [campaignId] },
      }),
    );
    expect(await outcome(ledgerId)).toBe('bounced');
  });

  it('test send leaves the ledger alone', async () => {
    const campaignId = await createCampaign(database().db);
    const ledgerId = await addLedgerRow(database().db, { campaignId, subscriberId, email, sesMessageId: 'ses-campaign' });
    await process(
      bounceNotification({
        messageId: 'ses-test-send',
        recipients: [{ emailAddress: email, status: '5.1.1' }],
        headers: [
          { name: 'X-Gazette-Campaign', value: campaignId },
          { name: 'X-Gazette-Test', value: 'true' },
        ],
      }),
    );
    expect(await outcome(ledgerId)).toBeNull();
    expect(await suppression()).toBe('hard_bounce');
  });

  it('confirmation message is matched', async () => {
    await recordSentMessage(database().db, { sesMessageId: 'ses-confirmation', email, kind: 'confirmation', subscriberId });
    await process(complaintNotification({ messageId: 'ses-confirmation', emails: [email] }));
    const sent = await database().db.selectFrom('sent_messages').select('outcome').executeTakeFirstOrThrow();
    expect(sent.outcome).toBe('complained');
    expect(await suppression()).toBe('complaint');
    const consent = await database().db.selectFrom('consent_log').select(['subscriber_id', 'source']).execute();
    expect(consent.map((row) => row.subscriber_id)).toEqual([subscriberId, subscriberId]);
  });

  it('bounce of unknown mail still suppresses', async () => {
    await process(
      bounceNotification({ messageId: 'ses-unknown', recipients: [{ emailAddress: 'stranger@agency.example', status: '5.1.1' }] }),
    );
    expect(await suppression('stranger@agency.example')).toBe('hard_bounce');
    const consent = await database().db.selectFrom('consent_log').select(['subscriber_id', 'source']).execute();
    expect(consent).toEqual([{ subscriber_id: null, source: 'bounce' }]);
  });

  it('hard bounce reaches a send in progress', async () => {
    const other = 'adviser@ngo.example';
    const otherId = await createSubscriber(database().db, other);
    const [earlier] = await sendCampaigns(1);
    const sending = await createCampaign(database().db, 'sending');
    await addLedgerRow(database().db, { campaignId: sending, subscriberId: otherId, email: other, sesMessageId: 'ses-first' });
    await addLedgerRow(database().db, { campaignId: sending, subscriberId, email });

    await process(bounceNotification({ messageId: earlier!, recipients: [{ emailAddress: email, status: '5.1.1' }] }));

    // The send worker checks each queued recipient against the suppression list right before
    // sending, so the address still queued in the running campaign is now skipped.
    const queued = await database()
      .db.selectFrom('ledger')
      .select('email')
      .where('campaign_id', '=', sending)
      .where('status', '=', 'queued')
      .execute();
    expect(queued.map((row) => row.email)).toEqual([email]);
    expect(await suppressionOf(database().db, deps().signer, email)).toBe('hard_bounce');
    expect(await suppressionOf(database().db, deps().signer, other)).toBeUndefined();
  });
});
