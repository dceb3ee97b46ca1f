/**
 * Seeds what the SES fixtures refer to: subscribers, a list, a sending campaign and ledger rows
 * carrying the fixtures' SES message ids, as the send engine would have recorded them.
 */
import { readFileSync } from 'node:fs';
import { sql } from 'kysely';
import type { Db } from '../../src/db/connect.ts';
import { sharedFixture } from '../helpers/fixtures.ts';

export const messageIds = {
  bounceNoDsn: '00000137860315fd-34208509-5b74-41f3-95c5-22c1edc3c924-000000',
  bounceWithDsn: '00000138111222aa-33322211-cccc-cccc-cccc-ddddaaaa0680-000000',
  complaintWithReport: '000001378603177f-7a5433e7-8edb-42ae-af10-f0181f34d6ee-000000',
  complaintWithoutReport: '0000013786031775-163e3910-53eb-4c8e-a04a-f29debf88a84-000000',
  delivery: '0000014644fe5ef6-9a483358-9170-4cb4-a269-f5dcdf415321-000000',
  event: 'EXAMPLE7c191be45-e9aedb9a-02f9-4d12-a87d-dd0099a07f8a-000000',
} as const;

export const addresses = ['jane@example.com', 'mary@example.com', 'richard@example.com', 'recipient@example.com'];

/** Reads an SES fixture as parsed JSON. */
export function sesFixture(name: string): Record<string, unknown> {
  return JSON.parse(readFileSync(sharedFixture('ses', name), 'utf8')) as Record<string, unknown>;
}

export interface Seeded {
  subscribers: Record<string, string>;
  listId: string;
  /** One campaign per fixture message, keyed like `messageIds`. */
  campaigns: Record<keyof typeof messageIds, string>;
  /** Ledger row id by message key and address. */
  ledger: Record<string, string>;
}

/**
 * Creates the four fixture addresses, subscribed to list `news`, and one sending campaign per
 * fixture message with a `sent` ledger row for each address the message went to.
 */
export async function seedFixtureSends(db: Db): Promise<Seeded> {
  const list = await db.insertInto('lists').values({ slug: 'news', name: 'News' }).returning('id').executeTakeFirstOrThrow();
  const other = await db.insertInto('lists').values({ slug: 'events', name: 'Events' }).returning('id').executeTakeFirstOrThrow();
  const subscribers: Record<string, string> = {};
  for (const email of addresses) {
    const row = await db.insertInto('subscribers').values({ email }).returning('id').executeTakeFirstOrThrow();
    subscribers[email] = row.id;
    for (const listId of [list.id, other.id]) {
      await db
        .insertInto('subscriptions')
        .values({ subscriber_id: row.id, list_id: listId, status: 'confirmed', confirmed_at: new Date() })
        .execute();
    }
  }

  const recipients: Record<keyof typeof messageIds, string[]> = {
    bounceNoDsn: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
    bounceWithDsn: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
    complaintWithReport: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
    complaintWithoutReport: ['jane@example.com', 'mary@example.com', 'richard@example.com'],
    delivery: ['jane@example.com'],
    event: ['recipient@example.com'],
  };
  const campaigns = {} as Record<keyof typeof messageIds, string>;
  const ledger: Record<string, string> = {};
  let minute = 0;
  for (const [key, messageId] of Object.entries(messageIds) as [keyof typeof messageIds, string][]) {
    const campaign = await db
      .insertInto('campaigns')
      .values({ subject: `Issue ${key}`, status: 'sending', audience: JSON.stringify({ lists: ['news'] }) })
      .returning('id')
      .executeTakeFirstOrThrow();
    campaigns[key] = campaign.id;
    for (const email of recipients[key]) {
      const row = await db
        .insertInto('ledger')
        .values({
          campaign_id: campaign.id,
          subscriber_id: subscribers[email]!,
          email,
          status: 'sent',
          ses_message_id: messageId,
          sent_at: new Date(Date.UTC(2016, 0, 27, 14, minute++)),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      ledger[`${key}:${email}`] = row.id;
    }
  }
  return { subscribers, listId: list.id, campaigns, ledger };
}

/** Everything feedback may change, for before/after comparisons. */
export async function feedbackState(db: Db) {
  const suppressions = await db.selectFrom('suppressions').select(['email', 'reason']).orderBy('email').execute();
  const outcomes = await db
    .selectFrom('ledger')
    .select(['email', 'ses_message_id', 'outcome'])
    .where('outcome', 'is not', null)
    .orderBy('ses_message_id')
    .orderBy('email')
    .execute();
  const unsubscribed = await db
    .selectFrom('subscriptions')
    .innerJoin('subscribers', 'subscribers.id', 'subscriptions.subscriber_id')
    .select(['subscribers.email', 'subscriptions.list_id'])
    .where('subscriptions.status', '=', 'unsubscribed')
    .orderBy('subscribers.email')
    .orderBy('subscriptions.list_id')
    .execute();
  const consent = await db.selectFrom('consent_log').select(['action', 'source']).orderBy('id').execute();
  const engagement = await db.selectFrom('engagement_events').select(['kind', 'url', 'is_machine']).orderBy('id').execute();
  const paused = await db.selectFrom('campaigns').select('id').where('status', '=', 'paused').execute();
  return { suppressions, outcomes, unsubscribed, consent, engagement, paused };
}

/** Counts the stored notifications. */
export async function notificationCount(db: Db): Promise<number> {
  const row = await db.selectFrom('feedback_notifications').select(sql<string>`count(*)`.as('count')).executeTakeFirstOrThrow();
  return Number(row.count);
}

export interface BounceOptions {
  messageId: string;
  recipients: { emailAddress: string; status?: string; diagnosticCode?: string }[];
  bounceType?: string;
  bounceSubType?: string;
  /** Send time of the bounced message (ISO 8601). */
  sentAt?: string;
  headers?: { name: string; value: string }[];
  tags?: Record<string, string[]>;
}

/** Builds an identity Bounce notification as SES publishes it. */
export function bounceNotification(options: BounceOptions): Record<string, unknown> {
  const sentAt = options.sentAt ?? '2026-03-01T10:00:00.000Z';
  return {
    notificationType: 'Bounce',
    bounce: {
      bounceType: options.bounceType ?? 'Permanent',
      bounceSubType: options.bounceSubType ?? 'General',
      bouncedRecipients: options.recipients,
      timestamp: sentAt.replace(':00.000Z', ':30.000Z'),
      feedbackId: `feedback-${options.messageId}`,
    },
    mail: {
      timestamp: sentAt,
      messageId: options.messageId,
      source: 'news@example.org',
      destination: options.recipients.map((recipient) => recipient.emailAddress),
      headers: options.headers ?? [],
      ...(options.tags ? { tags: options.tags } : {}),
    },
  };
}

/** Builds an identity Complaint notification as SES publishes it. */
export function complaintNotification(options: {
  messageId: string;
  emails: string[];
  feedbackType?: string;
  subType?: string | null;
  headers?: { name: string; value: string }[];
}): Record<string, unknown> {
  return {
    notificationType: 'Complaint',
    complaint: {
      complainedRecipients: options.emails.map((emailAddress) => ({ emailAddress })),
      timestamp: '2026-03-01T11:00:00.000Z',
      feedbackId: `feedback-${options.messageId}`,
      complaintSubType: options.subType ?? null,
      ...(options.feedbackType ? { complaintFeedbackType: options.feedbackType } : {}),
    },
    mail: {
      timestamp: '2026-03-01T10:00:00.000Z',
      messageId: options.messageId,
      source: 'news@example.org',
      destination: options.emails,
      headers: options.headers ?? [],
    },
  };
}

/** Creates a subscriber confirmed on a new list and returns its id. */
export async function createSubscriber(db: Db, email: string, lists: string[] = ['news']): Promise<string> {
  const subscriber = await db.insertInto('subscribers').values({ email }).returning('id').executeTakeFirstOrThrow();
  for (const slug of lists) {
    const list =
      (await db.selectFrom('lists').select('id').where('slug', '=', slug).executeTakeFirst()) ??
      (await db.insertInto('lists').values({ slug, name: slug }).returning('id').executeTakeFirstOrThrow());
    await db
      .insertInto('subscriptions')
      .values({ subscriber_id: subscriber.id, list_id: list.id, status: 'confirmed', confirmed_at: new Date() })
      .execute();
  }
  return subscriber.id;
}

/** Creates a campaign in `status` and returns its id. */
export async function createCampaign(db: Db, status: 'sending' | 'sent' | 'paused' = 'sending'): Promise<string> {
  const row = await db
    .insertInto('campaigns')
    .values({ subject: 'Governance digest', status, audience: JSON.stringify({ lists: ['news'] }) })
    .returning('id')
    .executeTakeFirstOrThrow();
  return row.id;
}

/** Adds a ledger row as the send engine records it; `sesMessageId` unset leaves it queued. */
export async function addLedgerRow(
  db: Db,
  row: { campaignId: string; subscriberId: string; email: string; sesMessageId?: string; sentAt?: Date },
): Promise<string> {
  const inserted = await db
    .insertInto('ledger')
    .values({
      campaign_id: row.campaignId,
      subscriber_id: row.subscriberId,
      email: row.email,
      status: row.sesMessageId ? 'sent' : 'queued',
      ses_message_id: row.sesMessageId ?? null,
      sent_at: row.sesMessageId ? (row.sentAt ?? new Date()) : null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return inserted.id;
}
