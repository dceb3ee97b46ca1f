/**
 * Recurring digests: the digest definitions, the cron schedules that run them, one row per
 * schedule and fire time, notifications for editors, and the campaign columns linking an issue
 * to the digest and schedule it came from.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('digests')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    // { lists?: string[], segment?: string, rule?: object }: the audience as the API takes it.
    .addColumn('audience', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('topics', sql`text[]`, (c) => c.notNull().defaultTo(sql`'{}'::text[]`))
    .addColumn('template', 'text', (c) => c.notNull().defaultTo('newsletter'))
    // A staff MJML layout; no foreign key, so a deleted layout falls back to the template.
    .addColumn('layout_id', 'bigint')
    // May hold {date}, {month}, {year}, filled in from the fire time in the schedule's zone.
    .addColumn('subject', 'text', (c) => c.notNull())
    .addColumn('preheader', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('intro', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('events_within_days', 'integer', (c) =>
      c.notNull().defaultTo(30).check(sql`events_within_days between 0 and 366`),
    )
    .addColumn('max_items_per_section', 'integer', (c) => c.check(sql`max_items_per_section between 1 and 100`))
    .addColumn('item_order', 'text', (c) =>
      c.notNull().defaultTo('newest').check(sql`item_order in ('newest', 'oldest')`),
    )
    .addColumn('per_subscriber_topics', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('skip_when_empty', 'boolean', (c) => c.notNull().defaultTo(true))
    .addColumn('auto_send', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index digests_name_lower_key on digests (lower(name))`.execute(db);

  await db.schema
    .createTable('schedules')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('digest_id', 'bigint', (c) => c.notNull().references('digests.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('cron', 'text', (c) => c.notNull())
    .addColumn('timezone', 'text', (c) => c.notNull())
    .addColumn('missed_fire', 'text', (c) =>
      c.notNull().defaultTo('catch_up').check(sql`missed_fire in ('catch_up', 'skip')`),
    )
    .addColumn('max_lateness_minutes', 'integer', (c) => c.notNull().defaultTo(360))
    .addColumn('enabled', 'boolean', (c) => c.notNull().defaultTo(true))
    // Fire times before this instant are never run or recorded. It is set at creation and
    // whenever the expression, zone or enabled flag changes, so a new rhythm does not catch up
    // the old one.
    .addColumn('effective_from', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema.createIndex('schedules_digest_idx').on('schedules').column('digest_id').execute();

  // The unique (schedule, fire time) key is what lets any number of scheduler processes race
  // for a fire: the one whose insert succeeds runs it, the others see a conflict and move on.
  await db.schema
    .createTable('schedule_fires')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('schedule_id', 'bigint', (c) => c.notNull().references('schedules.id').onDelete('cascade'))
    .addColumn('fire_at', 'timestamptz', (c) => c.notNull())
    .addColumn('status', 'text', (c) =>
      c.notNull().check(sql`status in ('running', 'scheduled', 'draft', 'skipped_empty', 'missed', 'failed')`),
    )
    .addColumn('late_seconds', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id').onDelete('set null'))
    .addColumn('claimed_by', 'text')
    .addColumn('reason', 'text')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('finished_at', 'timestamptz')
    .addUniqueConstraint('schedule_fires_schedule_fire_key', ['schedule_id', 'fire_at'])
    .execute();

  await db.schema
    .createTable('editor_notifications')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('digest_awaiting_approval', 'digest_failed')`))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id').onDelete('cascade'))
    .addColumn('schedule_id', 'bigint', (c) => c.references('schedules.id').onDelete('cascade'))
    .addColumn('digest_id', 'bigint', (c) => c.references('digests.id').onDelete('cascade'))
    .addColumn('read_at', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create index editor_notifications_unread_idx on editor_notifications (created_at) where read_at is null`.execute(db);

  await db.schema
    .alterTable('campaigns')
    .addColumn('schedule_id', 'bigint', (c) => c.references('schedules.id').onDelete('set null'))
    .execute();
  await db.schema
    .alterTable('campaigns')
    .addColumn('digest_id', 'bigint', (c) => c.references('digests.id').onDelete('set null'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').dropColumn('digest_id').execute();
  await db.schema.alterTable('campaigns').dropColumn('schedule_id').execute();
  await db.schema.dropTable('editor_notifications').execute();
  await db.schema.dropTable('schedule_fires').execute();
  await db.schema.dropTable('schedules').execute();
  await db.schema.dropTable('digests').execute();
}
