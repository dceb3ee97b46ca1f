/**
 * Schedule fires with several processes on one PostgreSQL database. Each "process" is a
 * scheduler with its own connection pool and instance id. The clock is injected and moved by
 * the test, so nothing waits for real time.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { connectDatabase, type DatabaseHandle } from '../../src/db/connect.ts';
import type { Mailer, OutgoingMessage } from '../../src/delivery/mailer.ts';
import { createSendWorker } from '../../src/delivery/worker.ts';
import { startDueCampaigns } from '../../src/delivery/schedule.ts';
import { runDueFires } from '../../src/digests/fires.ts';
import { runScheduledDigest } from '../../src/digests/run.ts';
import { createScheduler } from '../../src/digests/scheduler.ts';
import { testDeps } from '../helpers/app.ts';
import { runAt, seedContent } from './content.ts';
import { describePostgres } from '../helpers/database.ts';
import { campaignsOf, clockedDeps, createDigestSchedule, firesOf, recordingRunner, seedAudience } from './setup.ts';

describePostgres('schedule fires across processes', (database) => {
  const clock = { now: new Date('2026-01-01T00:00:00Z') };
  let second: DatabaseHandle;

  beforeAll(async () => {
    second = await connectDatabase({ databaseUrl: database().url!, poolSize: 5 });
  });

  afterAll(async () => {
    await second?.close();
  });

  beforeEach(async () => {
    await database().reset();
    await seedAudience(database().db);
  });

  /** Two schedulers, each on its own pool, as two processes would be. */
  function processes() {
    return [
      { instanceId: 'process-a', deps: clockedDeps(database().db, clock) },
      { instanceId: 'process-b', deps: clockedDeps(second.db, clock) },
    ];
  }

  const fires = (scheduleId: string) => firesOf(database().db, scheduleId);
  const campaignCount = (scheduleId: string) => campaignsOf(database().db, scheduleId);

  it('two processes firing together send once', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * 1#1', timezone: 'Asia/Seoul' },
      new Date('2027-01-01T00:00:00Z'),
    );
    clock.now = new Date('2027-01-04T00:00:00Z');

    // Each process gets three concurrent passes, as its node-cron task, its minute sweep and a
    // start-up pass could overlap.
    const passes = processes().flatMap((process) =>
      [1, 2, 3].map(() => runDueFires(process.deps, { instanceId: process.instanceId, runFire: recordingRunner })),
    );
    const outcomes = (await Promise.all(passes)).flat();

    expect(outcomes.filter((outcome) => outcome.status === 'scheduled')).toHaveLength(1);
    expect(await campaignCount(scheduleId)).toBe(1);
    const rows = await fires(scheduleId);
    expect(rows.map((row) => [new Date(row.fire_at).toISOString(), row.status])).toEqual([['2027-01-04T00:00:00.000Z', 'scheduled']]);
  });

  for (const transition of [
    // 29 March 2026: 02:00 CET jumps to 03:00 CEST, so 02:30 never happens on the wall clock.
    { name: 'spring forward', from: '2026-03-28T22:00:00Z', until: '2026-03-29T23:00:00Z', day: '2026-03-29', fireAt: '2026-03-29T01:30:00.000Z' },
    // 25 October 2026: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
    { name: 'fall back', from: '2026-10-24T21:00:00Z', until: '2026-10-25T23:30:00Z', day: '2026-10-25', fireAt: '2026-10-25T00:30:00.000Z' },
  ]) {
    it(`daily 02:30 Europe/Berlin fires once on ${transition.name}`, async () => {
      const { scheduleId } = await createDigestSchedule(
        database().db,
        { cron: '30 2 * * *', timezone: 'Europe/Berlin', missedFire: 'skip' },
        new Date(transition.from),
      );
      const [a, b] = processes();

      // Both processes pass every five minutes across the whole local day, as the minute sweep
      // would. The two wall-clock 02:30s of the fall-back night are on this grid.
      for (let at = new Date(transition.from).getTime(); at <= new Date(transition.until).getTime(); at += 5 * 60_000) {
        clock.now = new Date(at);
        await Promise.all([
          runDueFires(a!.deps, { instanceId: a!.instanceId, runFire: recordingRunner }),
          runDueFires(b!.deps, { instanceId: b!.instanceId, runFire: recordingRunner }),
        ]);
      }

      const rows = await fires(scheduleId);
      const onDay = rows.filter(
        (row) => new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Berlin' }).format(new Date(row.fire_at)) === transition.day,
      );
      expect(onDay.map((row) => [new Date(row.fire_at).toISOString(), row.status, row.late_seconds])).toEqual([
        [transition.fireAt, 'scheduled', 0],
      ]);
      expect(rows.every((row) => row.status === 'scheduled')).toBe(true);
      expect(await campaignCount(scheduleId)).toBe(rows.length);
    });
  }

  it('missed fires are caught up once by two processes', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * *', timezone: 'Europe/Berlin', missedFire: 'catchUp', maxLatenessMinutes: 360 },
      new Date('2027-01-01T00:00:00Z'),
    );
    // Everything was down from 1 to 5 January; both processes come back at 10:15 Berlin time.
    clock.now = new Date('2027-01-05T09:15:00Z');
    await Promise.all(processes().map((p) => runDueFires(p.deps, { instanceId: p.instanceId, runFire: recordingRunner })));
    clock.now = new Date('2027-01-05T09:16:00Z');
    await Promise.all(processes().map((p) => runDueFires(p.deps, { instanceId: p.instanceId, runFire: recordingRunner })));

    const rows = await fires(scheduleId);
    expect(rows.map((row) => [new Date(row.fire_at).toISOString(), row.status])).toEqual([
      ['2027-01-01T08:00:00.000Z', 'missed'],
      ['2027-01-02T08:00:00.000Z', 'missed'],
      ['2027-01-03T08:00:00.000Z', 'missed'],
      ['2027-01-04T08:00:00.000Z', 'missed'],
      ['2027-01-05T08:00:00.000Z', 'scheduled'],
    ]);
    expect(rows[4]!.late_seconds).toBe(75 * 60);
    expect(await campaignCount(scheduleId)).toBe(1);
  });

  it('missed fires are skipped by policy', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * *', timezone: 'Europe/Berlin', missedFire: 'skip' },
      new Date('2027-01-03T00:00:00Z'),
    );
    clock.now = new Date('2027-01-05T09:15:00Z');
    await Promise.all(processes().map((p) => runDueFires(p.deps, { instanceId: p.instanceId, runFire: recordingRunner })));

    const rows = await fires(scheduleId);
    expect(rows.map((row) => [new Date(row.fire_at).toISOString(), row.status])).toEqual([
      ['2027-01-03T08:00:00.000Z', 'missed'],
      ['2027-01-04T08:00:00.000Z', 'missed'],
      ['2027-01-05T08:00:00.000Z', 'missed'],
    ]);
    expect(await campaignCount(scheduleId)).toBe(0);

    // The next fire after the outage runs as usual.
    clock.now = new Date('2027-01-06T08:00:30Z');
    await Promise.all(processes().map((p) => runDueFires(p.deps, { instanceId: p.instanceId, runFire: recordingRunner })));
    expect(await campaignCount(scheduleId)).toBe(1);
  });

  it('two schedulers and workers mail each reader once', async () => {
    await seedContent(database().db);
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * 1#1', timezone: 'Asia/Seoul' },
      new Date('2027-01-01T00:00:00Z'),
      { compose: { eventsWithinDays: 45 }, autoSend: true },
    );
    const sent: OutgoingMessage[] = [];
    const mailer: Mailer = {
      async send(message) {
        sent.push(message);
        return { messageId: `m-${sent.length}` };
      },
    };
    const now = () => runAt;
    const a = createScheduler(testDeps(database().db, { now, mailer }), { instanceId: 'process-a' });
    const b = createScheduler(testDeps(second.db, { now, mailer }), { instanceId: 'process-b' });

    const outcomes = (await Promise.all([a.tick(), b.tick(), a.tick([scheduleId]), b.tick([scheduleId])])).flat();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['scheduled']);

    for (const db of [database().db, second.db]) {
      const deps = testDeps(db, { now, mailer });
      await startDueCampaigns(deps);
      await createSendWorker(deps).drain();
    }
    expect(sent.map((message) => message.to[0]).sort()).toEqual(['amina@example.org', 'bruno@example.org']);
    expect(await campaignCount(scheduleId)).toBe(1);
  });

  it('the real runner fires once across processes', async () => {
    await seedContent(database().db);
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * 1#1', timezone: 'Asia/Seoul' },
      new Date('2027-01-01T00:00:00Z'),
      { autoSend: false },
    );
    clock.now = runAt;
    const outcomes = (
      await Promise.all(processes().map((p) => runDueFires(p.deps, { instanceId: p.instanceId, runFire: runScheduledDigest })))
    ).flat();
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['draft']);
    expect(await campaignCount(scheduleId)).toBe(1);
    const notes = await database().db.selectFrom('editor_notifications').select('kind').execute();
    expect(notes.map((note) => note.kind)).toEqual(['digest_awaiting_approval']);
  });
});
