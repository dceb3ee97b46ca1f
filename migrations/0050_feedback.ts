/**
 * Delivery feedback: every SNS notification received (raw, once per MessageId), the
 * per-recipient events drawn from them (bounces, complaints, deliveries), the small record of
 * mail sent outside campaigns (confirmations, tests), and the per-campaign click-tracking switch.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per SNS MessageId, whatever SNS retries. Bare notifications replayed without an
  // envelope get a derived id. `content_key` identifies the SES notification itself, so the same
  // notification arriving once in an envelope and once bare is still processed once.
  await db.schema
    .createTable('feedback_notifications')
    .addColumn('message_id', 'text', (c) => c.primaryKey())
    .addColumn('content_key', 'text', (c) => c.unique())
    .addColumn('sns_type', 'text', (c) =>
      c.notNull().check(sql`sns_type in ('Notification', 'SubscriptionConfirmation', 'UnsubscribeConfirmation', 'bare')`),
    )
    .addColumn('topic_arn', 'text')
    .addColumn('source', 'text', (c) => c.notNull().check(sql`source in ('webhook', 'replay')`))
    .addColumn('event_type', 'text')
    .addColumn('ses_message_id', 'text')
    .addColumn('status', 'text', (c) => c.notNull().check(sql`status in ('processed', 'ignored')`))
    .addColumn('raw', 'jsonb', (c) => c.notNull())
    .addColumn('summary', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('received_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('feedback_notifications_topic_idx')
    .on('feedback_notifications')
    .columns(['topic_arn', 'received_at'])
    .execute();
  await db.schema
    .createIndex('feedback_notifications_ses_message_idx')
    .on('feedback_notifications')
    .column('ses_message_id')
    .execute();

  // Mail sent outside the campaign ledger (confirmations, test sends), so feedback on it is
  // matched by SES message id too.
  await db.schema
    .createTable('sent_messages')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('ses_message_id', 'text', (c) => c.notNull().unique())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('confirmation', 'test', 'transactional')`))
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id').onDelete('set null'))
    .addColumn('subscriber_id', 'bigint', (c) => c.references('subscribers.id').onDelete('set null'))
    .addColumn('outcome', 'text', (c) =>
      c.check(sql`outcome in ('delivered', 'soft_bounced', 'bounced', 'complained')`),
    )
    .addColumn('sent_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index sent_messages_email_lower_idx on sent_messages (lower(email), sent_at)`.execute(db);

  // One row per recipient and notification. `email_hash` is the suppression key of the address
  // (a keyed hash), so counts per address survive erasure without keeping the address.
  await db.schema
    .createTable('feedback_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('notification_id', 'text', (c) =>
      c.notNull().references('feedback_notifications.message_id').onDelete('cascade'),
    )
    .addColumn('kind', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`kind in ('hard_bounce', 'soft_bounce', 'uncounted_bounce', 'suppressed_bounce', 'complaint', 'suppressed_complaint', 'delivery', 'delivery_delay', 'reject', 'rendering_failure')`,
        ),
    )
    .addColumn('email_hash', 'text')
    .addColumn('ses_message_id', 'text')
    .addColumn('detail', 'text')
    .addColumn('ledger_id', 'bigint', (c) => c.references('ledger.id').onDelete('set null'))
    .addColumn('sent_message_id', 'bigint', (c) => c.references('sent_messages.id').onDelete('set null'))
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id').onDelete('set null'))
    .addColumn('sent_at', 'timestamptz')
    .addColumn('occurred_at', 'timestamptz', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('feedback_events_address_idx')
    .on('feedback_events')
    .columns(['email_hash', 'kind', 'sent_at'])
    .execute();
  await db.schema.createIndex('feedback_events_campaign_idx').on('feedback_events').columns(['campaign_id', 'kind']).execute();
  await db.schema.createIndex('feedback_events_occurred_idx').on('feedback_events').columns(['occurred_at', 'kind']).execute();

  // Gazette's own click tracking (signed redirect links) is off unless a campaign turns it on.
  await db.schema
    .alterTable('campaigns')
    .addColumn('click_tracking', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('click_tracking').execute();
  await db.schema.dropTable('feedback_events').execute();
  await db.schema.dropTable('sent_messages').execute();
  await db.schema.dropTable('feedback_notifications').execute();
}
