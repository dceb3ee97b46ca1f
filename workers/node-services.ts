/**
 * What a Node process adds to the shared app and runs beside it. Each background service is
 * started here so that `serve` and the single-purpose workers agree on how.
 */
import type { AppOptions } from '../src/app.ts';
import { jobHandlers } from '../src/jobs/handlers.ts';
import { metricsHandler } from '../src/node/metrics.ts';
import type { Runtime } from '../src/node/runtime.ts';
import { startFeedPoller } from '../src/content/feed-poller.ts';
import type { BackgroundService } from '../src/node/service.ts';
import { createSendWorker } from '../src/delivery/worker.ts';
import { createScheduler } from '../src/digests/scheduler.ts';
import { startHousekeeping } from '../src/subscribers/housekeeping.ts';

/** App options that need Node (console sessions, MJML, the local SES). */
export function nodeAppOptions(runtime: Runtime): AppOptions {
  return {
    mount: (app) => {
      app.get('/metrics', metricsHandler(runtime.metrics));
    },
  };
}

/**
 * Starts the send worker, scheduler, feed poller and the hourly expiry of unconfirmed
 * subscriptions that the configuration enables.
 */
export async function startBackgroundServices(runtime: Runtime): Promise<BackgroundService[]> {
  const services: BackgroundService[] = [];
  if (runtime.config.workerEnabled && runtime.jobs.kind === 'pgboss') {
    services.push(await runtime.jobs.queue.work(jobHandlers, () => runtime.deps));
    // Jobs the Workers entry queued (confirmation emails, digest passes) wait in the outbox.
    services.push(runtime.jobs.queue.startOutboxRelay());
  }
  if (runtime.config.workerEnabled) {
    // The send worker also starts scheduled campaigns when they fall due.
    const worker = createSendWorker(runtime.deps);
    worker.start();
    services.push({ name: 'send-worker', stop: () => worker.stop() });
  }
  if (runtime.config.schedulerEnabled) {
    services.push(startFeedPoller(runtime.deps));
    services.push(startHousekeeping(runtime.deps));
    // Safe beside other processes' schedulers: the database decides which one runs a fire.
    const scheduler = createScheduler(runtime.deps);
    await scheduler.start();
    services.push(scheduler);
  }
  return services;
}
