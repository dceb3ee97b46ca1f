/**
 * Every background job Gazette runs, by name. Handlers are plain functions of the domains.
 */
import { feedFetchJob, runFeedFetchJob } from '../content/feed-poller.ts';
import type { JobHandlers } from './queue.ts';

export const jobHandlers: JobHandlers = {
  [feedFetchJob]: runFeedFetchJob,
};
