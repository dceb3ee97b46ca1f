/**
 * The job outbox: background jobs queued by processes that cannot reach pg-boss (the Workers
 * entry). Node processes move each row into pg-boss in the transaction that deletes it.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('job_outbox')
    // A uuid rather than an identity, because it becomes the pg-boss job's id.
    .addColumn('id', 'uuid', (c) => c.primaryKey().defaultTo(sql`gen_random_uuid()`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('data', 'jsonb', (c) => c.notNull().defaultTo(sql`'{}'::jsonb`))
    .addColumn('singleton_key', 'text')
    .addColumn('start_after', 'timestamptz')
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();
  // At most one waiting row per job name and singleton key, as pg-boss keeps one queued job.
  await sql`create unique index job_outbox_singleton_key on job_outbox (name, singleton_key) where singleton_key is not null`.execute(db);
  await db.schema.createIndex('job_outbox_created_idx').on('job_outbox').column('created_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_outbox').execute();
}
