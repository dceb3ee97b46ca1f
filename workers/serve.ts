/**
 * `gazette serve`: migrations, the HTTP server, the send worker and the scheduler in one
 * process. In embedded mode it also holds the data directory and runs the local SES.
 */
import { serve as serveHttp, type ServerType } from '@hono/node-server';
import { createApp } from '../src/app.ts';
import type { Environment } from '../src/config.ts';
import { pendingMigrations } from '../src/db/migrate.ts';
import { acquireLock } from '../src/node/data-dir.ts';
import { startLocalSes, type LocalSes } from '../src/node/local-ses.ts';
import { openRuntime, type Runtime } from '../src/node/runtime.ts';
import { ensureFirstAdministrator } from '../src/auth/staff.ts';
import type { BackgroundService } from '../src/node/service.ts';
import { loadConfig } from '../src/config.ts';
import { nodeAppOptions, startBackgroundServices } from './node-services.ts';

export interface RunningServer {
  url: string;
  runtime: Runtime;
  localSes?: LocalSes;
  stop(): Promise<void>;
}

export interface ServeOptions {
  /** Print the start-up banner on stdout (the CLI does; tests do not). */
  banner?: boolean;
}

/** Starts everything and returns once the server listens. */
export async function startServer(environment: Environment, options: ServeOptions = {}): Promise<RunningServer> {
  const preliminary = loadConfig(environment);
  const url = `http://localhost:${preliminary.port}`;
  const releaseLock = preliminary.embedded ? acquireLock(preliminary.dataDir, url) : () => {};

  let runtime: Runtime | undefined;
  let localSes: LocalSes | undefined;
  let http: ServerType | undefined;
  let services: BackgroundService[] = [];

  let stopping: Promise<void> | undefined;
  // Stopping happens once, whoever asks (a signal, a failed start, a test).
  const stop = () => (stopping ??= shutdown());
  const shutdown = async () => {
    const log = runtime?.logger;
    const timeoutMs = (runtime?.config.shutdownTimeoutSeconds ?? 30) * 1000;
    log?.info({ timeoutMs }, 'stopping: no new requests or work');
    // 1. Stop taking requests; requests in progress finish, idle keep-alive sockets close now.
    const closed = http ? new Promise<void>((resolve) => http!.close(() => resolve())) : Promise.resolve();
    closeIdleConnections(http);
    // 2. Background services stop claiming work and finish or release what they hold (send
    //    batches, leases, running jobs), all at once, within the timeout.
    const stopped = await Promise.allSettled(
      services.reverse().map((service) =>
        withTimeout(service.stop(), timeoutMs, `${service.name} did not stop within ${timeoutMs / 1000} s`),
      ),
    );
    for (const [index, outcome] of stopped.entries()) {
      if (outcome.status === 'rejected') {
        log?.error({ err: outcome.reason, service: services[index]?.name }, 'service failed to stop cleanly');
      }
    }
    // Requests still open after the services stopped are cut, so the process can exit.
    await withTimeout(closed, 5_000, 'open connections').catch(() => closeAllConnections(http));
    // 3. The database closes last (PGlite flushes and closes its files), then the lock goes.
    try {
      await runtime?.close();
    } catch (error) {
      log?.error({ err: error }, 'database failed to close cleanly');
    }
    await localSes?.close();
    releaseLock();
    log?.info('stopped');
  };

  try {
    runtime = await openRuntime(environment, { jobs: 'pgboss' });
    const { config, deps, logger } = runtime;
    if (config.ses.local) localSes = await startLocalSes(config.ses.localPort);

    const app = createApp(deps, {
      ...nodeAppOptions(runtime),
      pendingMigrations: () => pendingMigrations(deps.db),
    });
    http = await new Promise<ServerType>((resolve) => {
      const server = serveHttp({ fetch: app.fetch, port: config.port, hostname: config.host }, () => resolve(server));
    });
    services = await startBackgroundServices(runtime);

    logger.info({ port: config.port, embedded: config.embedded, services: services.map((s) => s.name) }, 'listening');
    // With no staff account at all, the first start creates an administrator and shows its
    // password once, on the terminal only (never in the log).
    const firstAdmin = options.banner ? await ensureFirstAdministrator(deps.db) : undefined;
    if (options.banner) printBanner(runtime, localSes, firstAdmin);
    return { url: `http://localhost:${config.port}`, runtime, localSes, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Resolves or rejects with `promise`, or rejects after `ms` with `what` in the message. */
function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out: ${what}`)), ms);
    timer.unref();
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function closeIdleConnections(server: ServerType | undefined): void {
  if (server && 'closeIdleConnections' in server) server.closeIdleConnections();
}

function closeAllConnections(server: ServerType | undefined): void {
  if (server && 'closeAllConnections' in server) server.closeAllConnections();
}

function printBanner(runtime: Runtime, localSes: LocalSes | undefined, firstAdmin?: { email: string; password: string }): void {
  const { config } = runtime;
  const base = `http://localhost:${config.port}`;
  const lines = [
    '',
    '  Gazette is running.',
    '',
    `  Console      ${base}/console`,
    `  API          ${base}/api`,
    `  Public URL   ${config.publicUrl}`,
    `  Mail viewer  ${localSes ? localSes.url : '(real SES: see the AWS console)'}`,
    `  Database     ${config.embedded ? `PGlite in ${config.dataDir}/pg` : 'PostgreSQL (DATABASE_URL)'}`,
  ];
  if (config.embedded) {
    lines.push(
      runtime.firstStart
        ? `  API token    ${config.adminApiToken}   (shown once; it is also in ${config.dataDir}/secrets.json)`
        : `  API token    in ${config.dataDir}/secrets.json`,
    );
  }
  if (firstAdmin) {
    lines.push(
      `  Sign in      ${base}/console/sign-in as ${firstAdmin.email}`,
      `               password ${firstAdmin.password}   (shown once; change it under Your account)`,
    );
  }
  lines.push('');
  process.stdout.write(`${lines.join('\n')}\n`);
}
