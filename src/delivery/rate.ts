/**
 * The send rate: a token bucket in the database, shared by every worker process, so the
 * account's maximum send rate holds however many workers run.
 *
 * Each worker takes tokens in small chunks with one atomic UPDATE and spends them locally.
 * The bucket refills lazily: the UPDATE adds `rate` tokens per elapsed second (up to
 * `capacity`) before taking any, so nothing has to tick it.
 */
import { sql } from 'kysely';
import type { Db } from '../db/connect.ts';
import type { Logger } from '../log.ts';
import type { Mailer } from './mailer.ts';
import type { SesMailer } from './ses.ts';

export const defaultBucket = 'ses';

/** The SES sandbox rate, used when the account's rate cannot be read. */
const fallbackRate = 1;

export interface RateLimiter {
  /** Resolves when one message may be sent. */
  acquire(): Promise<void>;
  /** The current rate, in messages per second. */
  readonly rate: number;
}

export interface RateOptions {
  /** Messages per second at full speed. */
  maxRate: number;
  /** Days to ramp up from `maxRate / rampUpDays` to `maxRate`; 0 starts at full rate. */
  rampUpDays?: number;
  bucket?: string;
  /** Waits are recorded here, in milliseconds. */
  onWait?: (ms: number) => void;
}

/**
 * Returns the account's maximum send rate: the configured override, else SES `GetAccount`,
 * else the sandbox rate of 1 message per second.
 */
export async function resolveMaxRate(override: number | undefined, mailer: Mailer | undefined, logger: Logger): Promise<number> {
  if (override !== undefined) return override;
  const ses = mailer as Partial<SesMailer> | undefined;
  if (typeof ses?.maxSendRate !== 'function') return fallbackRate;
  try {
    const rate = await ses.maxSendRate();
    if (rate !== undefined && rate > 0) return rate;
    logger.warn({ fallbackRate }, 'SES returned no maximum send rate; sending at the fallback rate');
  } catch (error) {
    logger.warn({ err: error, fallbackRate }, 'reading the SES maximum send rate failed; sending at the fallback rate');
  }
  return fallbackRate;
}

/**
 * Returns the rate for today: during a ramp-up, day n (from 0) of `rampUpDays` allows
 * `maxRate * (n + 1) / rampUpDays`, and never less than one message per second.
 */
export function rampedRate(maxRate: number, rampUpDays: number, startedAt: Date, now: Date): number {
  if (rampUpDays <= 0) return maxRate;
  const day = Math.max(0, Math.floor((now.getTime() - startedAt.getTime()) / 86_400_000));
  return Math.max(1, Math.min(maxRate, (maxRate * (day + 1)) / rampUpDays));
}

/** Creates or updates the shared bucket and returns a limiter that takes tokens from it. */
export async function createRateLimiter(db: Db, options: RateOptions): Promise<RateLimiter> {
  const bucket = options.bucket ?? defaultBucket;
  const inserted = await db
    .insertInto('send_rate_buckets')
    .values({ name: bucket, rate: options.maxRate, capacity: Math.max(1, options.maxRate), tokens: 0 })
    .onConflict((conflict) => conflict.column('name').doNothing())
    .returning('created_at')
    .executeTakeFirst();
  const startedAt =
    inserted?.created_at ??
    (await db.selectFrom('send_rate_buckets').select('created_at').where('name', '=', bucket).executeTakeFirstOrThrow())
      .created_at;
  const rate = rampedRate(options.maxRate, options.rampUpDays ?? 0, new Date(startedAt), new Date());
  // The newest worker's view of the rate wins; every worker reads the same account, so they agree.
  await db
    .updateTable('send_rate_buckets')
    .set({ rate, capacity: Math.max(1, rate) })
    .where('name', '=', bucket)
    .execute();

  // Take up to a tenth of a second's worth of tokens per round trip, so a fast account does not
  // pay one UPDATE per message and a slow one does not hoard tokens other workers could use.
  const chunk = Math.max(1, Math.floor(rate / 10));
  let local = 0;
  let queue: Promise<void> = Promise.resolve();

  const take = async (): Promise<{ granted: number; available: number }> => {
    const result = await sql<{ granted: number; available: number }>`
      with current as (
        select name,
               least(capacity, tokens + greatest(0, extract(epoch from clock_timestamp() - refilled_at)) * rate) as available
        from send_rate_buckets
        where name = ${bucket}
        for update
      )
      update send_rate_buckets as b
      set tokens = current.available - least(${chunk}::float8, floor(current.available)),
          refilled_at = clock_timestamp()
      from current
      where b.name = current.name
      returning least(${chunk}::float8, floor(current.available))::float8 as granted, current.available::float8 as available
    `.execute(db);
    const row = result.rows[0];
    return { granted: Number(row?.granted ?? 0), available: Number(row?.available ?? 0) };
  };

  const acquireOne = async () => {
    while (local < 1) {
      const { granted, available } = await take();
      local += granted;
      if (local >= 1) break;
      const waitMs = Math.max(5, Math.ceil(((1 - available) / rate) * 1000));
      options.onWait?.(waitMs);
      await new Promise((resolve) => setTimeout(resolve, waitMs));
    }
    local -= 1;
  };

  return {
    rate,
    // Callers run concurrently; chaining keeps the local reserve consistent without a lock.
    acquire() {
      const next = queue.then(acquireOne);
      queue = next.catch(() => {});
      return next;
    },
  };
}
