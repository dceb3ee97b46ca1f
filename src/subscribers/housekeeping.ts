/**
 * Periodic upkeep of subscriber data: unconfirmed subscriptions past their expiry are deleted
 * (and old rate-limit windows with them) once an hour. With a job queue the run is queued under
 * the hour's key, so several processes doing the same queue it once.
 */
import type { Deps } from '../deps.ts';
import type { BackgroundService } from '../node/service.ts';
import { expireUnconfirmed, expireUnconfirmedJob } from './lifecycle.ts';

const HOUR_MS = 60 * 60 * 1000;

/** Queues (or, without a queue, runs) this hour's expiry of unconfirmed subscriptions. */
export async function expireUnconfirmedThisHour(deps: Deps): Promise<void> {
  const hour = new Date(Math.floor(deps.now().getTime() / HOUR_MS) * HOUR_MS).toISOString();
  if (deps.jobs) await deps.jobs.enqueue(expireUnconfirmedJob, {}, { singletonKey: `expire-unconfirmed:${hour}` });
  else await expireUnconfirmed(deps);
}

/** Starts the hourly upkeep, first run at once; `stop()` waits for a run in progress. */
export function startHousekeeping(deps: Deps, intervalMs = HOUR_MS): BackgroundService {
  const log = deps.logger.child({ service: 'housekeeping' });
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;
  const tick = () => {
    if (stopped) return;
    running = expireUnconfirmedThisHour(deps).catch((error: unknown) => {
      log.error({ err: error }, 'expiring unconfirmed subscriptions failed');
    });
  };
  const timer = setInterval(tick, intervalMs);
  timer.unref?.();
  tick();
  return {
    name: 'housekeeping',
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
