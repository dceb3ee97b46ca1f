/**
 * Shared set-up for digest and schedule tests: a list with subscribers, a digest and a
 * schedule, and a fire runner that records each run as a scheduled campaign, the way the real
 * runner hands an auto-send digest to the send worker.
 */
import type { Db } from '../../src/db/connect.ts';
import type { Deps } from '../../src/deps.ts';
import { createDigest, type DigestInput } from '../../src/digests/digests.ts';
import type { FireRunner } from '../../src/digests/fires.ts';
import { createSchedule, type ScheduleInput } from '../../src/digests/schedules.ts';
import { testDeps } from '../helpers/app.ts';

export async function seedAudience(db: Db): Promise<void> {
  const list = await db
    .insertInto('lists')
    .values({ slug: 'monthly', name: 'Monthly newsletter' })
    .returning('id')
    .executeTakeFirstOrThrow();
  await db.insertInto('topics').values([{ slug: 'digital-government', name: 'Digital government' }, { slug: 'open-data', name: 'Open data' }]).execute();
  for (const email of ['amina@example.org', 'bruno@example.org']) {
    const subscriber = await db.insertInto('subscribers').values({ email, attributes: {} }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('subscriptions').values({ subscriber_id: subscriber.id, list_id: list.id, status: 'confirmed' }).execute();
  }
}

export const monthlyDigest: DigestInput = {
  name: 'Monthly digest',
  lists: ['monthly'],
  subject: 'Governance Innovation Monthly: {month}',
  autoSend: true,
};

/** Creates a digest and a schedule for it, effective from `from`. */
export async function createDigestSchedule(
  db: Db,
  schedule: Omit<ScheduleInput, 'digest' | 'digestInput'>,
  from: Date,
  digest: Partial<DigestInput> = {},
): Promise<{ digestId: string; scheduleId: string }> {
  const created = await createDigest(db, { ...monthlyDigest, name: `${monthlyDigest.name} ${Math.random().toString(36).slice(2, 8)}`, ...digest });
  const row = await createSchedule(db, { ...schedule, digest: created.id }, from);
  return { digestId: created.id, scheduleId: row.id };
}

/** A runner that creates a `scheduled` campaign due now, as an auto-send digest run does. */
export const recordingRunner: FireRunner = async (deps, fire) => {
  const campaign = await deps.db
    .insertInto('campaigns')
    .values({
      subject: `Run of ${fire.schedule.name} at ${fire.fireAt.toISOString()}`,
      audience: { lists: ['monthly'] },
      series: `digest:${fire.schedule.digest_id}`,
      status: 'scheduled',
      send_at: deps.now(),
      schedule_id: fire.schedule.id,
      digest_id: fire.schedule.digest_id,
      compose: {},
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return { status: 'scheduled', campaignId: campaign.id };
};

/** Deps over `db` whose clock reads `clock.now`, which the test moves. */
export function clockedDeps(db: Db, clock: { now: Date }): Deps {
  return testDeps(db, { now: () => clock.now });
}

/** The fires of a schedule, oldest first. */
export async function firesOf(db: Db, scheduleId: string) {
  return db
    .selectFrom('schedule_fires')
    .select(['fire_at', 'status', 'campaign_id', 'claimed_by', 'late_seconds', 'reason'])
    .where('schedule_id', '=', scheduleId)
    .orderBy('fire_at')
    .execute();
}

/** How many campaigns a schedule's fires created. */
export async function campaignsOf(db: Db, scheduleId: string): Promise<number> {
  const row = await db
    .selectFrom('campaigns')
    .select((eb) => eb.fn.countAll<string>().as('count'))
    .where('schedule_id', '=', scheduleId)
    .executeTakeFirstOrThrow();
  return Number(row.count);
}
