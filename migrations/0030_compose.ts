/**
 * Composing issues: staff MJML layouts, rendered content variants of per-topic campaigns, and
 * the campaign columns for its layout, archive page and render warnings.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('layouts')
    .addColumn('id', 'bigint', (c) => c.primaryKey().generatedAlwaysAsIdentity())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('mjml', 'text', (c) => c.notNull())
    // The layout compiled to HTML at save time, with the section placeholders still in it.
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .alterTable('campaigns')
    .addColumn('layout_id', 'bigint', (c) => c.references('layouts.id').onDelete('set null'))
    .execute();
  await db.schema.alterTable('campaigns').addColumn('archive_slug', 'text', (c) => c.unique()).execute();
  await db.schema
    .alterTable('campaigns')
    .addColumn('per_topic', 'boolean', (c) => c.notNull().defaultTo(false))
    .execute();
  await db.schema
    .alterTable('campaigns')
    .addColumn('warnings', 'jsonb', (c) => c.notNull().defaultTo(sql`'[]'::jsonb`))
    .execute();
  // Serves "when did the previous issue of this series go out" and "what did it carry".
  await db.schema.createIndex('campaigns_series_idx').on('campaigns').columns(['series', 'status']).execute();

  // One rendered body per distinct content selection of a per-topic campaign, keyed by the
  // sorted ids of the items it holds.
  await db.schema
    .createTable('campaign_variants')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('variant_key', 'text', (c) => c.notNull())
    .addColumn('html', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .addPrimaryKeyConstraint('campaign_variants_pkey', ['campaign_id', 'variant_key'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('campaign_variants').execute();
  await db.schema.dropIndex('campaigns_series_idx').execute();
  for (const column of ['warnings', 'per_topic', 'archive_slug', 'layout_id']) {
    await db.schema.alterTable('campaigns').dropColumn(column).execute();
  }
  await db.schema.dropTable('layouts').execute();
}
