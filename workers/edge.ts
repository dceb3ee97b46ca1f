/**
 * The Cloudflare Workers entry: the same Hono app, limited to the public side (sign-up, confirm,
 * preferences, unsubscribe, archive, the SNS webhook, health checks), over PostgreSQL reached
 * through a Hyperdrive binding with the `postgres` driver.
 *
 * The edge only writes to the database. Whatever needs Node (sending a confirmation email,
 * rendering a digest) is left as a database row or a queued job that the Node workers pick up,
 * so this module and everything it imports stays free of Node-only packages
 * (`test/workers/edge-imports.test.ts` checks the bundle).
 *
 * Configuration comes from the Worker's bindings and secrets through the same `loadConfig` as
 * Node: `DATABASE_URL` is taken from the Hyperdrive binding.
 */
import { createApp } from '../src/app.ts';
import { createSigner } from '../src/auth/signing.ts';
import { loadConfig, type Config, type Environment } from '../src/config.ts';
import { connectPostgres } from '../src/db/postgres.ts';
import { pendingMigrations } from '../src/db/migrate.ts';
import type { Deps } from '../src/deps.ts';
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
  const database = connectPostgres(config.databaseUrl!, 5);
  const deps: Deps = {
    db: database.db,
    config,
    logger,
    signer: createSigner(config.secretKey),
    // TODO: a job queue that writes pg-boss rows with SQL, so public routes that queue work
    // (confirmation emails) and cron triggers can hand it to the Node workers.
    now: () => new Date(),
  };
  return { deps, close: () => database.close() };
}

export default {
  async fetch(request: Request, bindings: EdgeBindings, context: ExecutionContext): Promise<Response> {
    const { deps, close } = openDeps(bindings);
    const app = createApp(deps, { publicOnly: true, pendingMigrations: () => pendingMigrations(deps.db) });
    try {
      return await app.fetch(request);
    } finally {
      context.waitUntil(close());
    }
  },
};
