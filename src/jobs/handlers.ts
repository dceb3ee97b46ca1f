/**
 * Every background job Gazette runs, by name. Handlers are plain functions of the domains.
 */
import { feedFetchJob, runFeedFetchJob } from '../content/feed-poller.ts';
import { importJob, runImportJob } from '../subscribers/imports.ts';
import { confirmationJob, expireUnconfirmed, expireUnconfirmedJob, sendConfirmation } from '../subscribers/lifecycle.ts';
import type { JobHandlers } from './queue.ts';

export const jobHandlers: JobHandlers = {
  [feedFetchJob]: runFeedFetchJob,
  [confirmationJob]: sendConfirmation,
  [importJob]: runImportJob,
  [expireUnconfirmedJob]: async (deps) => {
    await expireUnconfirmed(deps);
  },
};
