import { parseArgs } from 'node:util';
import { loadConfig } from '../../config.ts';
import { startFeedPoller } from '../../content/feed-poller.ts';
import { createScheduler } from '../../digests/scheduler.ts';
import { acquireLock, readLock } from '../../node/data-dir.ts';
import { openRuntime } from '../../node/runtime.ts';
import { CliError } from '../context.ts';
import type { Command } from '../main.ts';

export const schedulerCommand: Command = {
  name: 'scheduler',
  summary: 'Run the digest scheduler and the feed poller, without HTTP server or send worker',
  usage: `
Usage: gazette scheduler [--once] [--id <name>]

Fires digest schedules (cron expressions in IANA time zones) with node-cron and checks every
minute for fires that are due or were missed. The database decides which process runs each
fire, so any number of schedulers (and "gazette serve" processes) can run against one
PostgreSQL database and each digest still goes out once. A run that sends hands its issue to
the send workers ("gazette worker" or "gazette serve"), which this command does not run. The
feed poller runs beside the scheduler, fetching each feed when it is due.

Options:
  --once        run one scheduler pass (fires due now, and missed fires by each schedule's
                policy), then exit; feeds are not polled
  --id <name>   scheduler name recorded with each fire it claims (default: host, pid and a random suffix)

With the embedded database, a running "gazette serve" already runs the scheduler, so this
command refuses while a server holds $DATA_DIR.`,
  async run(args, environment) {
    const { values } = parseArgs({
      args,
      options: { once: { type: 'boolean', default: false }, id: { type: 'string' } },
      allowPositionals: false,
    });
    const config = loadConfig(environment);
    let release = () => {};
    if (config.embedded) {
      const holder = readLock(config.dataDir);
      if (holder && holder.pid !== process.pid) {
        throw new CliError(
          `A Gazette server (pid ${holder.pid}) holds ${config.dataDir} and already runs the scheduler. Set DATABASE_URL to run separate schedulers against PostgreSQL.`,
        );
      }
      release = acquireLock(config.dataDir, 'scheduler');
    }

    const runtime = await openRuntime(environment);
    try {
      const scheduler = createScheduler(runtime.deps, { instanceId: values.id });
      if (values.once) {
        const outcomes = await scheduler.tick();
        for (const outcome of outcomes) {
          process.stdout.write(
            `${outcome.fireAt.toISOString()}  schedule ${outcome.scheduleId}  ${outcome.status}${outcome.campaignId ? `  campaign ${outcome.campaignId}` : ''}${outcome.reason ? `  (${outcome.reason})` : ''}\n`,
          );
        }
        if (outcomes.length === 0) process.stdout.write('No schedule was due.\n');
        return 0;
      }

      await scheduler.start();
      const services = [scheduler, startFeedPoller(runtime.deps)];
      await new Promise<void>((resolve) => {
        const shutdown = () => {
          process.off('SIGINT', shutdown);
          process.off('SIGTERM', shutdown);
          Promise.all(
            services.map((service) =>
              service.stop().catch((error: unknown) => {
                runtime.logger.error({ err: error, service: service.name }, 'service failed to stop cleanly');
              }),
            ),
          ).then(() => resolve());
        };
        process.on('SIGINT', shutdown);
        process.on('SIGTERM', shutdown);
      });
      return 0;
    } finally {
      await runtime.close();
      release();
    }
  },
};
