/**
 * The Cloudflare Workers entry: the public side of the Hono app (`createPublicApp`: sign-up,
 * confirm, preferences, unsubscribe, archive, the SNS webhook, health checks), over PostgreSQL
 * reached through a Hyperdrive binding with the `postgres` driver. The API description, the
 * staff API and the console are built only by `createApp`, on Node.
 *
 * The edge only writes to the database. Whatever needs Node (sending a confirmation email,
 * rendering a digest) is queued as a row of `job_outbox`, which the Node workers move into
 * pg-boss and run, so this module and everything it imports stays free of Node-only packages
 * (`test/workers/edge-imports.test.ts` checks the bundle).
 *
 * `scheduled` runs on the cron triggers in `wrangler.toml`. It queues one digest pass and
 * renders nothing: the Node worker that runs the pass decides which fires are due, and the
 * unique (schedule, fire time) row lets exactly one process run each fire.
 *
 * Configuration comes from the Worker's bindings and secrets through the same `loadConfig` as
 * Node: `DATABASE_URL` is taken from the Hyperdrive binding.
 */
import { createSigner } from '../src/auth/signing.ts';
import { loadConfig, type Config, type Environment } from '../src/config.ts';
import { connectPostgres } from '../src/db/postgres.ts';
import { pendingMigrations } from '../src/db/migrate.ts';
import type { Deps } from '../src/deps.ts';
import { dueFiresJob, dueFiresSingletonKey } from '../src/digests/due-fires-job.ts';
import { createOutboxQueue } from '../src/jobs/outbox.ts';
import { createPublicApp } from '../src/public-app.ts';
import { createLogger, type Logger } from '../src/log.ts';

/** The bindings `wrangler.toml` declares; every other variable is a plain string. */
export interface EdgeBindings {
  /** Hyperdrive: a pooled connection string for the PostgreSQL database. */
  HYPERDRIVE: { connectionString: string };
  [variable: string]: unknown;
}

/** The parts of Cloudflare's `ExecutionContext` this entry uses. */
interface ExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
}

/** The parts of Cloudflare's `ScheduledController` this entry uses. */
export interface ScheduledController {
  /** The cron expression of the trigger that fired, as written in `wrangler.toml`. */
  cron: string;
  /** When the trigger was due, in milliseconds since the epoch. */
  scheduledTime: number;
}

/** Reads the string bindings as the environment, with the database from Hyperdrive. */
function environmentOf(bindings: EdgeBindings): Environment {
  const environment: Environment = {};
  for (const [name, value] of Object.entries(bindings)) {
    if (typeof value === 'string') environment[name] = value;
  }
  environment.DATABASE_URL = bindings.HYPERDRIVE.connectionString;
  return environment;
}

// Config and logger are built once per isolate; database connections are per request, because
// a Worker cannot reuse a socket opened while serving another request.
let cached: { config: Config; logger: Logger } | undefined;

function settings(bindings: EdgeBindings): { config: Config; logger: Logger } {
  if (!cached) {
    const config = loadConfig(environmentOf(bindings));
    cached = { config, logger: createLogger({ level: config.logLevel }) };
  }
  return cached;
}

function openDeps(bindings: EdgeBindings): { deps: Deps; close: () => Promise<void> } {
  const { config, logger } = settings(bindings);
  if (!config.secretKey) throw new Error('SECRET_KEY is not set: add it with `npx wrangler secret put SECRET_KEY`.');
  // Hyperdrive pools the connections; a few per request is what its guide recommends.
  const database = connectPostgres(bindings.HYPERDRIVE.connectionString, 5);
  const deps: Deps = {
    db: database.db,
    config,
    logger,
    signer: createSigner(config.secretKey),
    jobs: createOutboxQueue(database.db),
    now: () => new Date(),
  };
  return { deps, close: () => database.close() };
}

export default {
  async fetch(request: Request, bindings: EdgeBindings, context: ExecutionContext): Promise<Response> {
    const { deps, close } = openDeps(bindings);
    const app = createPublicApp(deps, { pendingMigrations: () => pendingMigrations(deps.db) });
    try {
      return await app.fetch(request);
    } finally {
      context.waitUntil(close());
    }
  },

  async scheduled(controller: ScheduledController, bindings: EdgeBindings, context: ExecutionContext): Promise<void> {
    const { deps, close } = openDeps(bindings);
    const scheduledTime = new Date(controller.scheduledTime);
    const log = deps.logger.child({ cron: controller.cron, scheduledTime });
    try {
      const jobId = await deps.jobs!.enqueue(dueFiresJob, { scheduledTime: scheduledTime.toISOString() }, { singletonKey: dueFiresSingletonKey });
      if (jobId) log.info({ jobId }, 'digest pass queued');
      else log.info('a digest pass is already waiting, so none was queued');
    } catch (error) {
      log.error({ err: error }, 'queueing the digest pass failed');
      throw error;
    } finally {
      context.waitUntil(close());
    }
  },
};
