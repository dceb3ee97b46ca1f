/**
 * The digest scheduler: node-cron tasks that wake this process when a schedule fires, and a
 * sweep every minute that picks up everything else (new and changed schedules, fires missed
 * while no process ran, a spring-forward fire that node-cron's wall-clock match never matches).
 * Every wake-up goes through `runDueFires`, where the database decides which process runs a
 * fire, so `gazette serve` and any number of `gazette scheduler` processes can run side by side.
 */
import cron, { type ScheduledTask, type Logger as CronLogger } from 'node-cron';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { Deps } from '../deps.ts';
import type { BackgroundService } from '../node/service.ts';
import { dueFiresJob } from './due-fires-job.ts';
import { runDueFires, type FireOutcome, type FireRunner } from './fires.ts';
import { runScheduledDigest } from './run.ts';

export interface Scheduler extends BackgroundService {
  /** Runs one pass now (all schedules, or the given ones); passes never overlap in a process. */
  tick(scheduleIds?: string[]): Promise<FireOutcome[]>;
  /** Brings the node-cron tasks in line with the enabled schedules in the database. */
  sync(): Promise<void>;
}

export interface SchedulerOptions {
  /** Names this process in the fire history; defaults to host, pid and a random suffix. */
  instanceId?: string;
  runFire?: FireRunner;
}

/** Creates a scheduler; `start` registers the node-cron tasks and runs a first pass. */
export function createScheduler(deps: Deps, options: SchedulerOptions = {}): Scheduler & { start(): Promise<void> } {
  const instanceId = options.instanceId ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  const runFire = options.runFire ?? runScheduledDigest;
  const log = deps.logger.child({ service: 'scheduler', instanceId });
  const cronLogger = toCronLogger(log);
  const tasks = new Map<string, { signature: string; task: ScheduledTask }>();
  let sweep: ScheduledTask | undefined;
  let queue: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const tick = (scheduleIds?: string[]): Promise<FireOutcome[]> => {
    const pass = queue.then(() => (stopped ? [] : runDueFires(deps, { instanceId, runFire, scheduleIds })));
    queue = pass.catch(() => undefined);
    return pass;
  };

  const sync = async () => {
    const schedules = await deps.db
      .selectFrom('schedules')
      .select(['id', 'cron', 'timezone'])
      .where('enabled', '=', true)
      .execute();
    const seen = new Set<string>();
    for (const schedule of schedules) {
      seen.add(schedule.id);
      const signature = `${schedule.cron}|${schedule.timezone}`;
      const existing = tasks.get(schedule.id);
      if (existing?.signature === signature) continue;
      await existing?.task.destroy();
      try {
        const task = cron.schedule(schedule.cron, () => void tick([schedule.id]).catch(() => undefined), {
          timezone: schedule.timezone,
          name: `digest-schedule-${schedule.id}`,
          noOverlap: true,
          logger: cronLogger,
          // The sweep catches up what node-cron misses; its own warning would only repeat that.
          suppressMissedWarning: true,
        });
        tasks.set(schedule.id, { signature, task });
      } catch (error) {
        tasks.delete(schedule.id);
        log.error({ err: error, scheduleId: schedule.id }, 'node-cron rejected a schedule; the minute sweep still runs it');
      }
    }
    for (const [id, entry] of tasks) {
      if (seen.has(id)) continue;
      await entry.task.destroy();
      tasks.delete(id);
    }
  };

  const pass = async () => {
    try {
      await sync();
    } catch (error) {
      log.error({ err: error }, 'reading schedules failed');
    }
    try {
      await tick();
    } catch (error) {
      log.error({ err: error }, 'scheduler pass failed');
    }
  };

  return {
    name: 'scheduler',
    tick,
    sync,
    async start() {
      sweep = cron.schedule('* * * * *', pass, { name: 'digest-sweep', noOverlap: true, logger: cronLogger, suppressMissedWarning: true });
      log.info('scheduler started');
      await pass();
    },
    async stop() {
      stopped = true;
      await sweep?.destroy();
      for (const entry of tasks.values()) await entry.task.destroy();
      tasks.clear();
      await queue;
      log.info('scheduler stopped');
    },
  };
}

/**
 * Runs the job the Workers cron triggers queue: one pass over every enabled schedule. The fires
 * table still decides which process runs each fire, so this is safe beside running schedulers.
 */
export async function runDueFiresJob(deps: Deps): Promise<void> {
  const instanceId = `${hostname()}:${process.pid}:job`;
  const outcomes = await runDueFires(deps, { instanceId, runFire: runScheduledDigest });
  if (outcomes.length > 0) deps.logger.info({ job: dueFiresJob, fires: outcomes.length }, 'digest pass finished');
}

function toCronLogger(log: Deps['logger']): CronLogger {
  return {
    info: (message) => log.debug({ source: 'node-cron' }, message),
    warn: (message) => log.warn({ source: 'node-cron' }, message),
    error: (message, err) => log.error({ source: 'node-cron', err: err ?? message }, String(message)),
    debug: (message) => log.debug({ source: 'node-cron' }, String(message)),
  };
}
