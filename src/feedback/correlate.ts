/**
 * Matching a notification to the mail Gazette sent. The SES message id recorded at send time
 * comes first (the campaign ledger, or `sent_messages` for confirmations and test mail). When
 * that id is unknown, as for an `uncertain` ledger row whose send was never confirmed, the
 * campaign id from the `X-Gazette-Campaign` header or the `campaign` message tag and the
 * recipient address find the ledger row.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, LedgerOutcome } from '../db/schema.ts';
import { mailHeader, type SesNotificationBody } from './notifications.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** The ledger row or sent message that one recipient of a notified message matches. */
export interface RecipientMatch {
  ledgerId?: string;
  sentMessageId?: string;
  campaignId?: string;
  subscriberId?: string;
  /** When Gazette sent it, if recorded. */
  sentAt?: Date;
  /** The key the match used, for the notification summary. */
  by: 'ses_message_id' | 'sent_message' | 'campaign_header' | 'test_send' | 'address' | 'none';
}

/** Header every bulk message carries with its campaign id. */
export const campaignHeader = 'X-Gazette-Campaign';

/** SES message tag (`EmailTags`) the sender sets to the campaign id. */
export const campaignTag = 'campaign';

/** Header and tag that mark a test send of a campaign (`true`). */
export const testHeader = 'X-Gazette-Test';
export const testTag = 'test';

/** Returns true when the message was a test send (header `X-Gazette-Test` or tag `test`). */
export function isTestSend(body: SesNotificationBody): boolean {
  return mailHeader(body, testHeader)?.trim() === 'true' || body.mail.tags?.[testTag]?.[0] === 'true';
}

/** Finds the ledger row or sent message a notification is about, for one recipient address. */
export async function matchRecipient(db: Executor, body: SesNotificationBody, email: string): Promise<RecipientMatch> {
  const address = email.trim().toLowerCase();
  const messageId = body.mail.messageId;

  const ledgerRows = await db
    .selectFrom('ledger')
    .select(['id', 'campaign_id', 'subscriber_id', 'email', 'sent_at'])
    .where('ses_message_id', '=', messageId)
    .execute();
  const ledger = ledgerRows.find((row) => row.email.toLowerCase() === address) ?? (ledgerRows.length === 1 ? ledgerRows[0] : undefined);
  if (ledger) {
    return {
      ledgerId: ledger.id,
      campaignId: ledger.campaign_id,
      subscriberId: ledger.subscriber_id,
      sentAt: ledger.sent_at ?? undefined,
      by: 'ses_message_id',
    };
  }

  const sent = await db
    .selectFrom('sent_messages')
    .select(['id', 'campaign_id', 'subscriber_id', 'sent_at'])
    .where('ses_message_id', '=', messageId)
    .executeTakeFirst();
  if (sent) {
    return {
      sentMessageId: sent.id,
      campaignId: sent.campaign_id ?? undefined,
      subscriberId: sent.subscriber_id ?? (await subscriberIdOf(db, address)),
      sentAt: sent.sent_at,
      by: 'sent_message',
    };
  }

  // A test send goes to staff addresses outside the ledger: it must not touch the outcome of
  // a ledger row that shares the campaign and address.
  if (isTestSend(body)) {
    const subscriberId = await subscriberIdOf(db, address);
    return subscriberId ? { subscriberId, by: 'test_send' } : { by: 'test_send' };
  }

  const campaignId = campaignIdOf(body);
  if (campaignId) {
    const row = await db
      .selectFrom('ledger')
      .select(['id', 'campaign_id', 'subscriber_id', 'sent_at'])
      .where('campaign_id', '=', campaignId)
      .where(sql<boolean>`lower(email) = ${address}`)
      .executeTakeFirst();
    if (row) {
      return {
        ledgerId: row.id,
        campaignId: row.campaign_id,
        subscriberId: row.subscriber_id,
        sentAt: row.sent_at ?? undefined,
        by: 'campaign_header',
      };
    }
  }

  const subscriberId = await subscriberIdOf(db, address);
  return subscriberId ? { subscriberId, by: 'address' } : { by: 'none' };
}

/**
 * Returns the campaign id from the `X-Gazette-Campaign` header, else from the `campaign` tag.
 * SES copies headers into notifications only while they fit (`headersTruncated`), but tags
 * always come through in event publishing.
 */
export function campaignIdOf(body: SesNotificationBody): string | undefined {
  const candidates = [mailHeader(body, campaignHeader), body.mail.tags?.[campaignTag]?.[0]];
  for (const candidate of candidates) {
    const value = candidate?.trim();
    if (value && /^\d{1,18}$/.test(value)) return value;
  }
  return undefined;
}

/** Returns the id of the subscriber with this address (case-insensitive), if any. */
export async function subscriberIdOf(db: Executor, email: string): Promise<string | undefined> {
  const row = await db
    .selectFrom('subscribers')
    .select('id')
    .where(sql<boolean>`lower(email) = ${email.trim().toLowerCase()}`)
    .executeTakeFirst();
  return row?.id;
}

// Outcomes only move up this order: a late delivery never hides a bounce or a complaint.
const outcomeRank: LedgerOutcome[] = ['delivered', 'soft_bounced', 'bounced', 'complained'];

/**
 * Moves the outcome of the matched ledger row or sent message to `outcome`, unless it already
 * holds a stronger one. Returns true when a row changed.
 */
export async function recordOutcome(db: Executor, match: RecipientMatch, outcome: LedgerOutcome, now: Date): Promise<boolean> {
  const weaker = outcomeRank.slice(0, outcomeRank.indexOf(outcome));
  if (match.ledgerId) {
    const result = await db
      .updateTable('ledger')
      .set({ outcome, updated_at: now })
      .where('id', '=', match.ledgerId)
      .where((eb) => (weaker.length > 0 ? eb.or([eb('outcome', 'is', null), eb('outcome', 'in', weaker)]) : eb('outcome', 'is', null)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
  if (match.sentMessageId) {
    const result = await db
      .updateTable('sent_messages')
      .set({ outcome, updated_at: now })
      .where('id', '=', match.sentMessageId)
      .where((eb) => (weaker.length > 0 ? eb.or([eb('outcome', 'is', null), eb('outcome', 'in', weaker)]) : eb('outcome', 'is', null)))
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }
  return false;
}
