/**
 * Engagement events (opens and clicks), from SES event publishing or Gazette's own click
 * redirects. Machine hits (link scanners, mail proxies, clicks within seconds of delivery) are
 * kept but flagged, so reports count people separately.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('engagement_events')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('campaign_id', 'bigint', (c) => c.references('campaigns.id').onDelete('cascade'))
    .addColumn('subscriber_id', 'bigint', (c) => c.references('subscribers.id').onDelete('cascade'))
    .addColumn('ledger_id', 'bigint', (c) => c.references('ledger.id').onDelete('cascade'))
    .addColumn('kind', 'text', (c) => c.notNull().check(sql`kind in ('open', 'click')`))
    .addColumn('url', 'text')
    .addColumn('user_agent', 'text')
    .addColumn('is_machine', 'boolean', (c) => c.notNull().defaultTo(false))
    .addColumn('source', 'text', (c) => c.notNull().defaultTo('ses').check(sql`source in ('ses', 'redirect')`))
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  await db.schema
    .createIndex('engagement_events_subscriber_idx')
    .on('engagement_events')
    .columns(['subscriber_id', 'kind', 'created_at'])
    .execute();
  await db.schema
    .createIndex('engagement_events_campaign_idx')
    .on('engagement_events')
    .columns(['campaign_id', 'kind'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('engagement_events').execute();
}
