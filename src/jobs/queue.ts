/**
 * Background jobs (imports, feed fetches, digest runs, notification processing). Callers
 * enqueue by name; Node processes run the handlers through pg-boss. Tests and tools use the
 * in-process queue below, which runs each job right away and lets the caller wait for it.
 */
import type { Deps } from '../deps.ts';

export interface EnqueueOptions {
  /** At most one queued or active job with this key (pg-boss singleton key). */
  singletonKey?: string;
  startAfter?: Date;
}

export interface JobQueue {
  /** Queues a job and returns its id, or null when a job with the same singleton key exists. */
  enqueue(name: string, data: object, options?: EnqueueOptions): Promise<string | null>;
}

export type JobHandler = (deps: Deps, data: any) => Promise<void>;

/** Job handlers by name; each domain registers its own in `src/jobs/handlers.ts`. */
export type JobHandlers = Record<string, JobHandler>;

export interface InlineQueue extends JobQueue {
  /** Resolves when every job enqueued so far has finished. */
  idle(): Promise<void>;
}

/** A queue that runs jobs in this process as soon as they are enqueued (tests, CLI tools). */
export function createInlineQueue(handlers: JobHandlers, deps: () => Deps): InlineQueue {
  const running = new Set<Promise<void>>();
  const singletons = new Set<string>();
  let counter = 0;
  return {
    async enqueue(name, data, options = {}) {
      const handler = handlers[name];
      if (!handler) throw new Error(`No handler for job "${name}".`);
      if (options.singletonKey) {
        const key = `${name}:${options.singletonKey}`;
        if (singletons.has(key)) return null;
        singletons.add(key);
      }
      const id = `inline-${++counter}`;
      const job = (async () => {
        await Promise.resolve();
        try {
          await handler(deps(), data);
        } catch (error) {
          deps().logger.error({ err: error, job: name, jobId: id }, 'job failed');
        } finally {
          if (options.singletonKey) singletons.delete(`${name}:${options.singletonKey}`);
        }
      })();
      running.add(job);
      void job.finally(() => running.delete(job));
      return id;
    },
    async idle() {
      while (running.size > 0) await Promise.all([...running]);
    },
  };
}
