/**
 * The feed poller: once a minute it claims the feeds whose time has come and fetches each one,
 * through the job queue when there is one (so any worker may run it), else in this process.
 */
import type { Deps } from '../deps.ts';
import type { BackgroundService } from '../node/service.ts';
import { claimDueFeeds, refreshFeed } from './feeds.ts';

export const feedFetchJob = 'feeds.fetch';

export interface FeedPollerOptions {
  /** How often to look for due feeds (default one minute). */
  intervalMs?: number;
  /** Feeds claimed per look (default 20). */
  batchSize?: number;
}

/** Runs one fetch job; a fetch failure is already recorded in the feed's history. */
export async function runFeedFetchJob(deps: Deps, data: { feedId: string }): Promise<void> {
  try {
    await refreshFeed(deps, data.feedId);
  } catch (error) {
    if ((error as { code?: string }).code === 'feed_unreadable' || (error as { code?: string }).code === 'not_found') return;
    throw error;
  }
}

/** Claims due feeds and starts their fetches; returns the ids claimed. */
export async function pollFeedsOnce(deps: Deps, batchSize = 20): Promise<string[]> {
  const due = await claimDueFeeds(deps.db, deps.now(), batchSize);
  for (const feedId of due) {
    try {
      if (deps.jobs) await deps.jobs.enqueue(feedFetchJob, { feedId }, { singletonKey: feedId });
      else await runFeedFetchJob(deps, { feedId });
    } catch (error) {
      deps.logger.error({ err: error, feedId }, 'feed fetch could not run');
    }
  }
  return due;
}

/** Starts the poller; `stop()` waits for the round in progress. */
export function startFeedPoller(deps: Deps, options: FeedPollerOptions = {}): BackgroundService {
  const log = deps.logger.child({ service: 'feed-poller' });
  let running: Promise<unknown> = Promise.resolve();
  let stopped = false;

  const tick = () => {
    if (stopped) return;
    running = pollFeedsOnce(deps, options.batchSize).catch((error: unknown) => {
      log.error({ err: error }, 'feed poll failed');
    });
  };
  const timer = setInterval(tick, options.intervalMs ?? 60_000);
  timer.unref?.();
  tick();
  log.info('feed poller started');

  return {
    name: 'feed-poller',
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
      log.info('feed poller stopped');
    },
  };
}
