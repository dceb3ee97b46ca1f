/**
 * Every background job Gazette runs, by name. Handlers are plain functions of the domains.
 */
import { feedFetchJob, runFeedFetchJob } from '../content/feed-poller.ts';
import { dueFiresJob } from '../digests/due-fires-job.ts';
import { runDueFiresJob } from '../digests/scheduler.ts';
import { importJob, runImportJob } from '../subscribers/imports.ts';
import { sendConfirmation } from '../subscribers/confirmation-email.ts';
import { confirmationJob, expireUnconfirmed, expireUnconfirmedJob } from '../subscribers/lifecycle.ts';
import type { JobHandlers } from './queue.ts';

export const jobHandlers: JobHandlers = {
  [feedFetchJob]: runFeedFetchJob,
  [confirmationJob]: sendConfirmation,
  [importJob]: runImportJob,
  [dueFiresJob]: runDueFiresJob,
  [expireUnconfirmedJob]: async (deps) => {
    await expireUnconfirmed(deps);
  },
};
