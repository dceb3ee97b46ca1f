import { sql } from 'kysely';
import { beforeEach, describe, expect, it } from 'vitest';
import { createRateLimiter, rampedRate, resolveMaxRate } from '../../src/delivery/rate.ts';
import { createSesMailer } from '../../src/delivery/ses.ts';
import { loadConfig } from '../../src/config.ts';
import { silentLogger } from '../../src/log.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { startRecordingSes } from '../helpers/recording-ses.ts';

const day = 86_400_000;

describe('rampedRate', () => {
  const start = new Date('2026-01-01T00:00:00Z');
  const at = (days: number) => new Date(start.getTime() + days * day);

  it('without a ramp-up is the maximum', () => {
    expect(rampedRate(50, 0, start, at(0))).toBe(50);
  });

  it('grows by a share each day', () => {
    expect(rampedRate(40, 4, start, at(0))).toBe(10);
    expect(rampedRate(40, 4, start, at(1.5))).toBe(20);
    expect(rampedRate(40, 4, start, at(3))).toBe(40);
    expect(rampedRate(40, 4, start, at(30))).toBe(40);
  });

  it('never drops below one message a second', () => {
    expect(rampedRate(2, 10, start, at(0))).toBe(1);
  });
});

describe('resolveMaxRate', () => {
  it('reads the account rate through GetAccount', async () => {
    const ses = await startRecordingSes({ maxSendRate: 37 });
    try {
      const config = loadConfig({ SES_ENDPOINT: ses.url });
      const mailer = createSesMailer(config.ses);
      expect(await resolveMaxRate(undefined, mailer, silentLogger())).toBe(37);
      expect(await resolveMaxRate(12, mailer, silentLogger())).toBe(12);
    } finally {
      await ses.close();
    }
  });
});

describeEachDatabase('shared rate bucket', (database) => {
  beforeEach(async () => {
    await database().reset();
  });

  it('ramp-up counts from the first use of the bucket', async () => {
    const { db } = database();
    await db
      .insertInto('send_rate_buckets')
      .values({ name: 'ses', rate: 1, capacity: 1, tokens: 0, created_at: new Date(Date.now() - 2.5 * day) })
      .execute();

    const limiter = await createRateLimiter(db, { maxRate: 40, rampUpDays: 4 });

    expect(limiter.rate).toBe(30);
    const row = await db.selectFrom('send_rate_buckets').selectAll().executeTakeFirstOrThrow();
    expect(row.rate).toBe(30);
    expect(row.capacity).toBe(30);
  });

  it('two limiters draw from one bucket', async () => {
    const { db } = database();
    const first = await createRateLimiter(db, { maxRate: 5 });
    const second = await createRateLimiter(db, { maxRate: 5 });
    // A full bucket whose refill clock is in the future, so nothing refills during the test.
    await sql`update send_rate_buckets set tokens = 5, refilled_at = now() + interval '1 hour'`.execute(db);

    await first.acquire();
    await second.acquire();
    await first.acquire();

    const row = await db.selectFrom('send_rate_buckets').select('tokens').executeTakeFirstOrThrow();
    // The first take moved the refill clock to now, so a sliver may have refilled since.
    expect(Math.floor(Number(row.tokens))).toBe(2);
  });
});
