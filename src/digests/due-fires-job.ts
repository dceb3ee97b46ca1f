/**
 * The name of the job that runs one pass over every enabled digest schedule, as the Node
 * scheduler's minute sweep does. The Workers cron triggers queue it. It lives apart from its
 * handler, so the Workers entry can name the job without bundling cron parsing or rendering.
 */
export const dueFiresJob = 'digests.run-due-fires';

/** At most one pass waits at a time: it reads the clock when it runs, so one covers them all. */
export const dueFiresSingletonKey = 'next-pass';
