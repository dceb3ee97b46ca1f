/**
 * Saved audience segments, and the indexes that keep segment counts and audience queries fast.
 *
 * A segment is a name and a rule (a JSON tree, validated by the application before it is
 * stored). The indexes serve the shapes the rule compiler emits:
 * - expression indexes on the attributes most rules test by equality (country, region,
 *   organisation type, language), and a GIN index on the whole `attributes` document for
 *   key-existence and containment tests on custom attributes;
 * - `subscriptions (list_id, status, subscriber_id)`, so "confirmed on these lists" reads the
 *   index alone;
 * - engagement events by subscriber and by campaign, people only (`is_machine = false`), and the
 *   ledger by subscriber and outcome, for engagement and bounce conditions;
 * - campaigns by start time, for "the last N issues".
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('segments')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('rule', 'jsonb', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await sql`create unique index segments_name_lower_key on segments (lower(name))`.execute(db);

  for (const key of ['country', 'region', 'organisationType', 'language']) {
    await sql`create index ${sql.id(`subscribers_attr_${key.toLowerCase()}_idx`)} on subscribers ((attributes ->> ${sql.lit(key)}))`.execute(db);
  }
  await sql`create index subscribers_attributes_gin_idx on subscribers using gin (attributes)`.execute(db);
  await db.schema.createIndex('subscribers_created_idx').on('subscribers').column('created_at').execute();

  await db.schema
    .createIndex('subscriptions_list_status_subscriber_idx')
    .on('subscriptions')
    .columns(['list_id', 'status', 'subscriber_id'])
    .execute();

  await sql`create index engagement_events_people_subscriber_idx on engagement_events (subscriber_id, kind, created_at) where is_machine = false`.execute(db);
  await sql`create index engagement_events_people_campaign_idx on engagement_events (campaign_id, subscriber_id) where is_machine = false`.execute(db);
  await db.schema.createIndex('ledger_subscriber_outcome_idx').on('ledger').columns(['subscriber_id', 'outcome']).execute();
  await sql`create index ledger_outcome_subscriber_idx on ledger (outcome, subscriber_id) where outcome is not null`.execute(db);
  await db.schema.createIndex('campaigns_started_idx').on('campaigns').column('started_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of [
    'campaigns_started_idx',
    'ledger_outcome_subscriber_idx',
    'ledger_subscriber_outcome_idx',
    'engagement_events_people_campaign_idx',
    'engagement_events_people_subscriber_idx',
    'subscriptions_list_status_subscriber_idx',
    'subscribers_created_idx',
    'subscribers_attributes_gin_idx',
    'subscribers_attr_country_idx',
    'subscribers_attr_region_idx',
    'subscribers_attr_organisationtype_idx',
    'subscribers_attr_language_idx',
  ]) {
    await db.schema.dropIndex(index).ifExists().execute();
  }
  await db.schema.dropTable('segments').execute();
}
