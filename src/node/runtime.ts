/**
 * Assembles the Node runtime from the environment: configuration, embedded secrets, logger,
 * database (migrated), signer and mailer. Entry points (serve, worker, CLI) start from here.
 */
import path from 'node:path';
import { createSigner } from '../auth/signing.ts';
import { loadConfig, type Config, type Environment } from '../config.ts';
import { connectDatabase, type DatabaseHandle } from '../db/connect.ts';
import { migrateToLatest } from '../db/migrate.ts';
import { createSesMailer } from '../delivery/ses.ts';
import type { Deps } from '../deps.ts';
import { createLogger, type Logger } from '../log.ts';
import { createInlineQueue, type InlineQueue } from '../jobs/queue.ts';
import { jobHandlers } from '../jobs/handlers.ts';
import { loadOrCreateSecrets } from './data-dir.ts';
import { createPgBossQueue, type PgBossQueue } from './jobs.ts';
import { createNodeMetrics, type NodeMetrics } from './metrics.ts';

export interface Runtime {
  deps: Deps;
  config: Config;
  database: DatabaseHandle;
  logger: Logger;
  /** This process's Prometheus registry (also `deps.metrics`). */
  metrics: NodeMetrics;
  /** True when this start generated the embedded secrets (print the token once). */
  firstStart: boolean;
  /** The job queue: pg-boss for servers and workers, in-process for CLI tools. */
  jobs: { kind: 'pgboss'; queue: PgBossQueue } | { kind: 'inline'; queue: InlineQueue };
  close(): Promise<void>;
}

export interface RuntimeOptions {
  /** Run pending migrations after connecting (default true). */
  migrate?: boolean;
  logger?: Logger;
  /**
   * `pgboss` (servers and workers) queues jobs in the database for any worker process;
   * `inline` (CLI tools) runs them in this process. Default `inline`.
   */
  jobs?: 'pgboss' | 'inline';
}

/** Builds the runtime. In embedded mode the caller must hold the data directory lock first. */
export async function openRuntime(environment: Environment, options: RuntimeOptions = {}): Promise<Runtime> {
  let config = loadConfig(environment);
  const logger =
    options.logger ?? createLogger({ level: config.logLevel, pretty: Boolean(process.stdout.isTTY) && config.env !== 'test' });

  let firstStart = false;
  if (config.embedded || !config.adminApiToken || !config.secretKey) {
    const secrets = loadOrCreateSecrets(config.dataDir);
    firstStart = secrets.created;
    config = {
      ...config,
      adminApiToken: config.adminApiToken ?? (config.embedded ? secrets.adminApiToken : undefined),
      secretKey: config.secretKey ?? secrets.secretKey,
    };
  }

  const database = await connectDatabase({
    databaseUrl: config.databaseUrl,
    pgliteDir: path.join(config.dataDir, 'pg'),
    poolSize: config.databasePoolSize,
  });
  try {
    if (options.migrate !== false) {
      const applied = await migrateToLatest(database.db);
      if (applied.length > 0) logger.info({ migrations: applied }, 'migrations applied');
    }
  } catch (error) {
    await database.close();
    throw error;
  }

  const mailer = createSesMailer(config.ses);
  const metrics = createNodeMetrics({ config, maxSendRate: () => mailer.maxSendRate() });
  const deps: Deps = {
    db: database.db,
    config,
    logger,
    signer: createSigner(config.secretKey!),
    mailer,
    metrics,
    now: () => new Date(),
  };

  let jobs: Runtime['jobs'];
  if (options.jobs === 'pgboss') {
    const queue = createPgBossQueue(database, logger);
    try {
      await queue.start();
    } catch (error) {
      await database.close();
      throw error;
    }
    jobs = { kind: 'pgboss', queue };
  } else {
    jobs = { kind: 'inline', queue: createInlineQueue(jobHandlers, () => deps) };
  }
  deps.jobs = jobs.queue;

  return {
    deps,
    config,
    database,
    logger,
    metrics,
    firstStart,
    jobs,
    close: async () => {
      if (jobs.kind === 'pgboss') await jobs.queue.stop();
      else await jobs.queue.idle();
      await database.close();
    },
  };
}
