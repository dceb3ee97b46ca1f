/**
 * Mail sent outside the campaign ledger: confirmation requests, test sends and other one-off
 * messages. The code that sends one records its SES message id here, so bounces and complaints about
 * it are matched like campaign mail (a complaint about a confirmation request still suppresses).
 */
import type { Kysely, Transaction } from 'kysely';
import type { Database, SentMessageKind } from '../db/schema.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface SentMessageInput {
  sesMessageId: string;
  email: string;
  kind: SentMessageKind;
  campaignId?: string;
  subscriberId?: string;
  sentAt?: Date;
}

/** Records one sent message; recording the same SES message id twice keeps the first row. */
export async function recordSentMessage(db: Executor, input: SentMessageInput): Promise<void> {
  await db
    .insertInto('sent_messages')
    .values({
      ses_message_id: input.sesMessageId,
      email: input.email.trim().toLowerCase(),
      kind: input.kind,
      campaign_id: input.campaignId ?? null,
      subscriber_id: input.subscriberId ?? null,
      ...(input.sentAt ? { sent_at: input.sentAt } : {}),
    })
    .onConflict((conflict) => conflict.column('ses_message_id').doNothing())
    .execute();
}
