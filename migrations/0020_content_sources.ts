/**
 * Content sources: per-feed topics, failure counting and an error history, plus all-day events
 * (an `.ics` `VALUE=DATE` event has a day, not a time).
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('feeds')
    // Topics given to every entry of the feed, on top of the entry's own categories.
    .addColumn('topics', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('language', 'text')
    // Failed fetches in a row; the next fetch backs off while it is above zero.
    .addColumn('error_count', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_success_at', 'timestamptz')
    .execute();
  await db.schema.createIndex('feeds_next_fetch_idx').on('feeds').column('next_fetch_at').execute();

  await db.schema
    .createTable('feed_errors')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('feed_id', 'bigint', (c) => c.notNull().references('feeds.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) =>
      c.notNull().check(sql`kind in ('network', 'timeout', 'http', 'too_large', 'not_feed', 'invalid_url')`),
    )
    .addColumn('http_status', 'integer')
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('feed_errors_feed_idx')
    .on('feed_errors')
    .columns(['feed_id', 'created_at'])
    .execute();

  await db.schema
    .alterTable('content_items')
    .addColumn('all_day', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema.createIndex('content_items_feed_idx').on('content_items').column('feed_id').execute();
  await sql`create index content_items_topics_idx on content_items using gin (topics)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('content_items_topics_idx').execute();
  await db.schema.dropIndex('content_items_feed_idx').execute();
  await db.schema.alterTable('content_items').dropColumn('all_day').execute();
  await db.schema.dropTable('feed_errors').execute();
  await db.schema.dropIndex('feeds_next_fetch_idx').execute();
  await db.schema
    .alterTable('feeds')
    .dropColumn('topics')
    .dropColumn('language')
    .dropColumn('error_count')
    .dropColumn('last_success_at')
    .execute();
}
