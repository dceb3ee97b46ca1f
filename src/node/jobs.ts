/**
 * Background jobs through pg-boss, on PostgreSQL or on PGlite.
 *
 * Every queue uses pg-boss's `stately` policy, which allows one queued and one active job per
 * singleton key. A job enqueued without a key gets a unique one, so only callers that name a
 * key (a feed id, a schedule and fire time) are deduplicated.
 */
import { randomUUID } from 'node:crypto';
import PgBoss from 'pg-boss';
import type { DatabaseHandle } from '../db/connect.ts';
import type { Deps } from '../deps.ts';
import { relayOutboxBatch, waitingJobNames } from '../jobs/outbox.ts';
import type { JobHandlers, JobQueue } from '../jobs/queue.ts';
import type { Logger } from '../log.ts';
import type { BackgroundService } from './service.ts';

export interface PgBossQueue extends JobQueue {
  boss: PgBoss;
  /** Starts pg-boss (creating its schema on first use) and the queues for every handler. */
  start(): Promise<void>;
  /** Runs the handlers in this process until `stop`. */
  work(handlers: JobHandlers, deps: () => Deps): Promise<BackgroundService>;
  /** Moves the jobs waiting in `job_outbox` (queued by the Workers entry) into pg-boss once. */
  relayOutbox(): Promise<number>;
  /** Relays the outbox every `intervalMs` until `stop`. */
  startOutboxRelay(options?: { intervalMs?: number }): BackgroundService;
  stop(): Promise<void>;
}

/** Most outbox rows moved into pg-boss per transaction. */
const relayBatchSize = 100;

/** Creates a pg-boss queue over the same database Gazette uses. */
export function createPgBossQueue(database: DatabaseHandle, logger: Logger): PgBossQueue {
  const boss = new PgBoss({
    ...(database.kind === 'pglite' ? { db: pgliteAdapter(database) } : { connectionString: database.connectionString, max: 4 }),
    schema: 'pgboss',
    // Gazette's own loops supervise sends; pg-boss's maintenance still archives old jobs.
    schedule: false,
  });
  boss.on('error', (error) => logger.error({ err: error }, 'job queue error'));
  const created = new Set<string>();

  async function ensureQueue(name: string): Promise<void> {
    if (created.has(name)) return;
    await boss.createQueue(name, { name, policy: 'stately', retryLimit: 3, retryDelay: 30, retryBackoff: true });
    created.add(name);
  }

  async function relayOutbox(): Promise<number> {
    // Queues are created first, outside the relay's transaction: pg-boss creates them with its
    // own connection, which on PGlite would wait for the transaction to end.
    for (const name of await waitingJobNames(database.db)) await ensureQueue(name);
    const moved = await relayOutboxBatch(
      database.db,
      async (job, executor) => {
        await boss.send(job.name, job.data, {
          id: job.id,
          singletonKey: job.singletonKey ?? job.id,
          startAfter: job.startAfter ?? undefined,
          db: executor,
        });
      },
      relayBatchSize,
    );
    if (moved > 0) logger.debug({ moved }, 'queued jobs relayed from the outbox');
    return moved;
  }

  return {
    boss,
    async start() {
      await boss.start();
    },
    async enqueue(name, data, options = {}) {
      await ensureQueue(name);
      return boss.send(name, data, {
        singletonKey: options.singletonKey ?? randomUUID(),
        startAfter: options.startAfter,
      });
    },
    async work(handlers, deps) {
      const workers: string[] = [];
      for (const [name, handler] of Object.entries(handlers)) {
        await ensureQueue(name);
        workers.push(
          await boss.work(name, { pollingIntervalSeconds: 2, batchSize: 1 }, async (jobs) => {
            for (const job of jobs) {
              const log = logger.child({ job: name, jobId: job.id });
              try {
                await handler(deps(), job.data);
              } catch (error) {
                log.error({ err: error }, 'job failed; pg-boss will retry it');
                throw error;
              }
            }
          }),
        );
      }
      return {
        name: 'jobs',
        stop: async () => {
          for (const id of workers) await boss.offWork(id);
        },
      };
    },
    relayOutbox,
    startOutboxRelay(relayOptions = {}) {
      const intervalMs = relayOptions.intervalMs ?? 2_000;
      const log = logger.child({ service: 'outbox-relay' });
      let stopped = false;
      let timer: NodeJS.Timeout | undefined;
      let running: Promise<void> = Promise.resolve();
      const pass = async () => {
        try {
          // A full batch means more may be waiting, so the next one starts at once.
          let moved: number;
          do {
            moved = await relayOutbox();
          } while (!stopped && moved >= relayBatchSize);
        } catch (error) {
          log.error({ err: error }, 'relaying queued jobs from the outbox failed; retrying on the next pass');
        }
        if (!stopped) timer = setTimeout(() => (running = pass()), intervalMs);
      };
      running = pass();
      return {
        name: 'outbox-relay',
        stop: async () => {
          stopped = true;
          clearTimeout(timer);
          await running;
        },
      };
    },
    async stop() {
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}

// PGlite runs one statement per `query`; pg-boss sends its schema as several statements
// without parameters, which go through `exec` instead.
function pgliteAdapter(database: DatabaseHandle): PgBoss.Db {
  const pglite = database.pglite!;
  return {
    async executeSql(text: string, values: unknown[]) {
      if (!values || values.length === 0) {
        const results = await pglite.exec(text);
        return { rows: results.at(-1)?.rows ?? [] };
      }
      const result = await pglite.query(text, values);
      return { rows: result.rows };
    },
  };
}
