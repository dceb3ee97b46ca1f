/**
 * Fixed-window rate limits kept in the database (`rate_limits`), so every process counts the
 * same hits. One upsert per check; old windows are removed by the expiry job.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import { RateLimitedError } from '../errors.ts';

export interface RateLimit {
  /** Most hits allowed per window. */
  max: number;
  windowSeconds: number;
}

/** Limits for public sign-ups: an office network at a forum shares one IP, so that one is generous. */
export const signupLimits = {
  perIp: { max: 30, windowSeconds: 600 },
  perAddress: { max: 5, windowSeconds: 3600 },
} satisfies Record<string, RateLimit>;

/** Counts one hit for `key` and returns the hits in the current window, this one included. */
export async function hitRateLimit(db: Db, key: string, limit: RateLimit, now: Date): Promise<number> {
  const windowMs = limit.windowSeconds * 1000;
  const windowStart = new Date(Math.floor(now.getTime() / windowMs) * windowMs);
  const row = await db
    .insertInto('rate_limits')
    .values({ key, window_start: windowStart, hits: 1 })
    .onConflict((conflict) => conflict.columns(['key', 'window_start']).doUpdateSet({ hits: sql`rate_limits.hits + 1` }))
    .returning('hits')
    .executeTakeFirstOrThrow();
  return row.hits;
}

/** Counts a hit and throws `RateLimitedError` once `key` is over its limit. */
export async function enforceRateLimit(db: Db, key: string, limit: RateLimit, now: Date): Promise<void> {
  const hits = await hitRateLimit(db, key, limit, now);
  if (hits > limit.max) {
    throw new RateLimitedError('Too many sign-up attempts. Please wait a few minutes and try again.');
  }
}

/** Deletes windows that ended more than a day ago. */
export async function purgeRateLimits(db: Db, now: Date): Promise<number> {
  const result = await db
    .deleteFrom('rate_limits')
    .where('window_start', '<', new Date(now.getTime() - 24 * 3600 * 1000))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
