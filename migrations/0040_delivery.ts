/**
 * The sending engine: the shared SES rate bucket, and indexes for claiming queued ledger rows
 * and for finding leases that expired mid-send.
 */
import { type Kysely, sql } from 'kysely';

export async function up(db: Kysely<any>): Promise<void> {
  // One row per token bucket, shared by every worker process. `tokens` is refilled lazily from
  // `refilled_at` and `rate` by the statement that takes tokens, so no process has to tick it.
  await db.schema
    .createTable('send_rate_buckets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('rate', 'double precision', (c) => c.notNull().check(sql`rate > 0`))
    .addColumn('capacity', 'double precision', (c) => c.notNull().check(sql`capacity >= 1`))
    .addColumn('tokens', 'double precision', (c) => c.notNull())
    .addColumn('refilled_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    // The first send through this bucket: the start of the ramp-up for a new account.
    .addColumn('created_at', 'timestamptz', (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  // Workers claim the lowest queued ids with FOR UPDATE SKIP LOCKED; a partial index keeps that
  // scan short however many rows are already sent.
  await sql`create index ledger_queued_idx on ledger (campaign_id, id) where status = 'queued'`.execute(db);
  await sql`create index ledger_sending_lease_idx on ledger (lease_until) where status = 'sending'`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop index if exists ledger_sending_lease_idx`.execute(db);
  await sql`drop index if exists ledger_queued_idx`.execute(db);
  await db.schema.dropTable('send_rate_buckets').execute();
}
