/**
 * Matching a notification to the mail Gazette sent: by the SES message id recorded at send
 * time (the campaign ledger, or `sent_messages` for confirmations and test mail), falling back
 * to the `X-Gazette-Campaign` header and the recipient address when the id is unknown (a send
 * whose id was never recorded, such as an `uncertain` ledger row).
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, LedgerOutcome } from '../db/schema.ts';
import { mailHeader, type SesNotificationBody } from './notifications.ts';

type Executor = Kysely<Database> | Transaction<Database>;

/** What one recipient of a notified message was sent as. */
export interface RecipientMatch {
  ledgerId?: string;
  sentMessageId?: string;
  campaignId?: string;
  subscriberId?: string;
  /** When Gazette sent it, if recorded. */
  sentAt?: Date;
  /** How the match was made, for the notification summary. */
  by: 'ses_message_id' | 'sent_message' | 'campaign_header' | 'address' | 'none';
}

/** Header every bulk message carries with its campaign id. */
export const campaignHeader = 'X-Gazette-Campaign';

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

  const campaignId = campaignIdFromHeaders(body);
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

/** Returns the campaign id from the `X-Gazette-Campaign` header, when it is a valid id. */
export function campaignIdFromHeaders(body: SesNotificationBody): string | undefined {
  const value = mailHeader(body, campaignHeader)?.trim();
  return value && /^\d{1,18}$/.test(value) ? value : undefined;
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
