/**
 * The core schema: subscribers and their lists, content, campaigns, the recipient ledger, the
 * consent log, the suppression list and the staff audit log.
 *
 * Statuses are closed sets enforced by CHECK constraints, mirrored as string unions in
 * `src/db/schema.ts`. Timestamps are `timestamptz` everywhere.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('lists')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('opt_in', 'text', (c) => c.notNull().defaultTo('single').check(sql`opt_in in ('single', 'double')`))
    .addColumn('visibility', 'text', (c) =>
      c.notNull().defaultTo('public').check(sql`visibility in ('public', 'private')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('topics')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('slug', 'text', (c) => c.notNull().unique())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('subscribers')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) =>
      c.notNull().defaultTo('active').check(sql`status in ('active', 'blocklisted', 'erased')`),
    )
    .addColumn('attributes', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // Uniqueness is case-insensitive on the whole address, whatever case an old row was stored in.
  await sql`create unique index subscribers_email_lower_key on subscribers (lower(email))`.execute(db);

  await db.schema
    .createTable('subscriber_topics')
    .addColumn('subscriber_id', 'bigint', (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('topic_id', 'bigint', (c) => c.notNull().references('topics.id').onDelete('cascade'))
    .addPrimaryKeyConstraint('subscriber_topics_pkey', ['subscriber_id', 'topic_id'])
    .execute();
  await db.schema.createIndex('subscriber_topics_topic_idx').on('subscriber_topics').column('topic_id').execute();

  await db.schema
    .createTable('subscriptions')
    .addColumn('subscriber_id', 'bigint', (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('list_id', 'bigint', (c) => c.notNull().references('lists.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('unconfirmed', 'confirmed', 'unsubscribed')`),
    )
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('confirmed_at', 'timestamptz')
    .addColumn('unsubscribed_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('subscriptions_pkey', ['subscriber_id', 'list_id'])
    .execute();
  await db.schema
    .createIndex('subscriptions_list_status_idx')
    .on('subscriptions')
    .columns(['list_id', 'status'])
    .execute();

  // Append-only: rows are inserted, never updated; erasure removes the address from `details`.
  await db.schema
    .createTable('consent_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('subscriber_id', 'bigint', (c) => c.references('subscribers.id').onDelete('set null'))
    .addColumn('action', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`action in ('subscribed', 'confirmation_sent', 'confirmed', 'unsubscribed', 'resubscribed', 'preferences_changed', 'suppressed', 'unsuppressed', 'blocklisted', 'erased', 'imported', 'edited', 'expired')`,
        ),
    )
    .addColumn('lists', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('source', 'text', (c) =>
      c
        .notNull()
        .check(
          sql`source in ('form', 'api', 'one_click', 'page', 'staff', 'import', 'bounce', 'complaint', 'system')`,
        ),
    )
    .addColumn('ip', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('consent_log_subscriber_idx')
    .on('consent_log')
    .columns(['subscriber_id', 'created_at'])
    .execute();

  // An address is keyed by an HMAC of its lower-cased form, so an erased subscriber's row keeps
  // only the hash and a re-import of the same address is still recognised.
  await db.schema
    .createTable('suppressions')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('email', 'text')
    .addColumn('email_hash', 'text', (c) => c.notNull().unique())
    .addColumn('reason', 'text', (c) =>
      c.notNull().check(sql`reason in ('hard_bounce', 'soft_bounces', 'complaint', 'manual', 'erased')`),
    )
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index suppressions_email_lower_idx on suppressions (lower(email))`.execute(db);

  await db.schema
    .createTable('feeds')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('url', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('event', 'publication', 'news')`))
    .addColumn('name', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('poll_minutes', 'integer', (c) => c.notNull().defaultTo(60))
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'text')
    .addColumn('last_fetched_at', 'timestamptz')
    .addColumn('next_fetch_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable('content_items')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('event', 'publication', 'news')`))
    // guid is the source's own identifier, else its link, else a hash of title and date.
    .addColumn('guid', 'text', (c) => c.notNull().unique())
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('feed_id', 'bigint', (c) => c.references('feeds.id').onDelete('set null'))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('api'))
    .addColumn('title', 'text', (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('url', 'text')
    .addColumn('image_url', 'text')
    .addColumn('topics', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('language', 'text')
    .addColumn('published_at', 'timestamptz')
    .addColumn('ingested_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('starts_at', 'timestamptz')
    .addColumn('ends_at', 'timestamptz')
    .addColumn('timezone', 'text')
    .addColumn('venue', 'text')
    .addColumn('online', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('city', 'text')
    .addColumn('country', 'text')
    .addColumn('registration_url', 'text')
    .addColumn('registration_deadline', 'timestamptz')
    .addColumn('authors', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('pdf_url', 'text')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('content_items_kind_published_idx')
    .on('content_items')
    .columns(['kind', 'published_at'])
    .execute();
  await db.schema.createIndex('content_items_starts_idx').on('content_items').column('starts_at').execute();

  await db.schema
    .createTable('campaigns')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('preheader', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('intro', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('draft')
        .check(sql`status in ('draft', 'scheduled', 'sending', 'paused', 'sent', 'cancelled')`),
    )
    // { lists?: string[], segment?: string, rule?: object }: the audience as the API takes it.
    .addColumn('audience', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    // A campaign belongs to a series (a digest schedule's id, or 'default' for one-off issues),
    // so "new content" and "never repeat an item" are judged within the series.
    .addColumn('series', 'text', (c) => c.notNull().defaultTo('default'))
    .addColumn('template', 'text', (c) => c.notNull().defaultTo('newsletter'))
    .addColumn('compose', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('since', 'timestamptz')
    .addColumn('html', 'text')
    .addColumn('text', 'text')
    .addColumn('rendered_at', 'timestamptz')
    .addColumn('send_at', 'timestamptz')
    .addColumn('started_at', 'timestamptz')
    .addColumn('finished_at', 'timestamptz')
    .addColumn('status_reason', 'text')
    .addColumn('audience_size', 'integer')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('campaigns_status_idx').on('campaigns').columns(['status', 'send_at']).execute();

  await db.schema
    .createTable('campaign_items')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('content_item_id', 'bigint', (c) => c.notNull().references('content_items.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_items_pkey', ['campaign_id', 'content_item_id'])
    .execute();
  await db.schema
    .createIndex('campaign_items_content_idx')
    .on('campaign_items')
    .column('content_item_id')
    .execute();

  // The recipient ledger: one row per campaign and subscriber, never two (the primary key).
  await db.schema
    .createTable('ledger')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('subscriber_id', 'bigint', (c) => c.notNull().references('subscribers.id').onDelete('cascade'))
    .addColumn('email', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c
        .notNull()
        .defaultTo('queued')
        .check(sql`status in ('queued', 'sending', 'sent', 'failed', 'skipped', 'uncertain')`),
    )
    .addColumn('outcome', 'text', (c) =>
      c.check(sql`outcome in ('delivered', 'soft_bounced', 'bounced', 'complained')`),
    )
    .addColumn('lease_until', 'timestamptz')
    .addColumn('worker_id', 'text')
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('ses_message_id', 'text')
    .addColumn('error', 'text')
    .addColumn('sent_at', 'timestamptz')
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addUniqueConstraint('ledger_campaign_subscriber_key', ['campaign_id', 'subscriber_id'])
    .execute();
  await db.schema.createIndex('ledger_campaign_status_idx').on('ledger').columns(['campaign_id', 'status']).execute();
  await db.schema.createIndex('ledger_ses_message_idx').on('ledger').column('ses_message_id').execute();
  await db.schema.createIndex('ledger_subscriber_idx').on('ledger').column('subscriber_id').execute();

  // Who changed what in the console or the staff API.
  await db.schema
    .createTable('audit_log')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('target', 'text')
    .addColumn('details', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'audit_log',
    'ledger',
    'campaign_items',
    'campaigns',
    'content_items',
    'feeds',
    'suppressions',
    'consent_log',
    'subscriptions',
    'subscriber_topics',
    'subscribers',
    'topics',
    'lists',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
