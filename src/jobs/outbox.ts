/**
 * The job outbox: a `JobQueue` for processes without pg-boss (the Workers entry), which writes
 * each job as a row of `job_outbox` with plain SQL. Node processes that run jobs call
 * `relayOutboxBatch` in a loop: it moves waiting rows into pg-boss and deletes them in one
 * transaction, so each row becomes exactly one pg-boss job.
 *
 * Nothing here imports pg-boss or any other Node-only module; the Node side passes a function
 * that inserts a job through the transaction it is given.
 */
import { CompiledQuery, type Transaction } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Database } from '../db/schema.ts';
import type { JobQueue } from './queue.ts';

/** A waiting outbox row, as the relay hands it to pg-boss. */
export interface OutboxJob {
  id: string;
  name: string;
  data: Record<string, unknown>;
  singletonKey: string | null;
  startAfter: Date | null;
}

/** Runs one SQL statement in the relay's transaction (the shape pg-boss's `db` option takes). */
export interface SqlExecutor {
  executeSql(text: string, values: unknown[]): Promise<{ rows: any[] }>;
}

/** Inserts one outbox job into the real queue through `executor`, inside the relay's transaction. */
export type OutboxTransfer = (job: OutboxJob, executor: SqlExecutor) => Promise<void>;

/**
 * Creates a queue that writes jobs to `job_outbox`. A singleton key already waiting in the
 * outbox returns null, as pg-boss does for a key already queued. Jobs are not run until a
 * Node process relays them.
 */
export function createOutboxQueue(db: Db): JobQueue {
  return {
    async enqueue(name, data, options = {}) {
      if (!name.trim()) throw new Error('The job name is missing: pass the name its handler is registered under.');
      const row = await db
        .insertInto('job_outbox')
        .values({
          name,
          data: JSON.stringify(data),
          singleton_key: options.singletonKey ?? null,
          start_after: options.startAfter ?? null,
        })
        .onConflict((conflict) => conflict.columns(['name', 'singleton_key']).where('singleton_key', 'is not', null).doNothing())
        .returning('id')
        .executeTakeFirst();
      return row?.id ?? null;
    },
  };
}

/** Returns the distinct job names waiting in the outbox (the relay creates their queues first). */
export async function waitingJobNames(db: Db): Promise<string[]> {
  const rows = await db.selectFrom('job_outbox').select('name').distinct().execute();
  return rows.map((row) => row.name);
}

/**
 * Moves up to `limit` of the oldest waiting rows through `transfer` and deletes them, all in one
 * transaction; returns how many moved. Rows another process has locked are skipped, so several
 * relays can run at once. When `transfer` throws, nothing is deleted and the error propagates.
 */
export async function relayOutboxBatch(db: Db, transfer: OutboxTransfer, limit = 100): Promise<number> {
  return db.transaction().execute(async (tx) => {
    const rows = await tx
      .selectFrom('job_outbox')
      .selectAll()
      .orderBy('created_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    if (rows.length === 0) return 0;

    const executor = transactionExecutor(tx);
    for (const row of rows) {
      await transfer(
        {
          id: row.id,
          name: row.name,
          data: typeof row.data === 'string' ? (JSON.parse(row.data) as Record<string, unknown>) : row.data,
          singletonKey: row.singleton_key,
          startAfter: row.start_after ? new Date(row.start_after) : null,
        },
        executor,
      );
    }
    await tx
      .deleteFrom('job_outbox')
      .where(
        'id',
        'in',
        rows.map((row) => row.id),
      )
      .execute();
    return rows.length;
  });
}

function transactionExecutor(tx: Transaction<Database>): SqlExecutor {
  return {
    async executeSql(text, values) {
      // pg-boss leaves unset options undefined, as node-postgres sends those as null; the postgres
      // driver rejects undefined instead.
      const parameters = (values ?? []).map((value) => (value === undefined ? null : value));
      const result = await tx.executeQuery(CompiledQuery.raw(text, parameters));
      return { rows: result.rows as any[] };
    },
  };
}
