import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { createSendWorker } from '../../delivery/worker.ts';
import { acquireLock, readLock } from '../../node/data-dir.ts';
import { startLocalSes, type LocalSes } from '../../node/local-ses.ts';
import { openRuntime } from '../../node/runtime.ts';
import { CliError } from '../context.ts';
import type { Command } from '../main.ts';

export const workerCommand: Command = {
  name: 'worker',
  summary: 'Run a send worker: claim queued recipients and send them through SES',
  usage: `
Usage: gazette worker [--until-idle] [--id <name>]

Claims batches of queued recipients (SEND_BATCH_SIZE rows, leased for SEND_LEASE_SECONDS),
sends them through SES at the account's rate shared with every other worker, and starts
scheduled campaigns when they fall due. Run as many as you like against one PostgreSQL
database. Stops cleanly on SIGTERM or Ctrl-C: rows claimed but not yet sent go back to the
queue.

Options:
  --until-idle  exit once nothing is left to send instead of waiting for more work
  --id <name>   worker name shown in leases and logs (default: a random id)

With the embedded database, a running "gazette serve" already runs a worker, so this command
refuses while a server holds $DATA_DIR.`,
  async run(args, environment) {
    const { values } = parseArgs({
      args,
      options: { 'until-idle': { type: 'boolean', default: false }, id: { type: 'string' } },
      allowPositionals: false,
    });
    const config = loadConfig(environment);
    let release = () => {};
    if (config.embedded) {
      const holder = readLock(config.dataDir);
      if (holder && holder.pid !== process.pid) {
        throw new CliError(
          `A Gazette server (pid ${holder.pid}) holds ${config.dataDir} and already runs a send worker. Set DATABASE_URL to run separate workers against PostgreSQL.`,
        );
      }
      release = acquireLock(config.dataDir, 'worker');
    }

    let localSes: LocalSes | undefined;
    const runtime = await openRuntime(environment);
    try {
      if (config.ses.local) localSes = await startLocalSes(config.ses.localPort);
      const worker = createSendWorker(runtime.deps, { workerId: values.id });
      if (values['until-idle']) {
        await worker.drain();
        process.stdout.write(`${JSON.stringify(worker.stats)}\n`);
        return 0;
      }

      worker.start();
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          worker.stop().then(resolve, (error: unknown) => {
            runtime.logger.error({ err: error }, 'send worker failed to stop cleanly');
            resolve();
          });
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
      return 0;
    } finally {
      await runtime.close();
      await localSes?.close();
      release();
    }
  },
};
