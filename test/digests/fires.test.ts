import { beforeEach, expect, it } from 'vitest';
import { runDueFires } from '../../src/digests/fires.ts';
import { describeEachDatabase } from '../helpers/database.ts';
import { campaignsOf, clockedDeps, createDigestSchedule, firesOf, recordingRunner, seedAudience } from './setup.ts';

describeEachDatabase('schedule fires', (database) => {
  const clock = { now: new Date('2027-01-01T00:00:00Z') };

  beforeEach(async () => {
    await database().reset();
    await seedAudience(database().db);
  });

  const fires = (scheduleId: string) => firesOf(database().db, scheduleId);
  const campaignCount = (scheduleId: string) => campaignsOf(database().db, scheduleId);

  it('an on-time fire runs once', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * 1#1', timezone: 'Asia/Seoul' },
      new Date('2027-01-01T00:00:00Z'),
    );
    const deps = clockedDeps(database().db, clock);

    clock.now = new Date('2027-01-03T23:59:00Z'); // 08:59 in Seoul on the first Monday
    expect(await runDueFires(deps, { instanceId: 'a', runFire: recordingRunner })).toEqual([]);

    clock.now = new Date('2027-01-04T00:00:02Z');
    const outcomes = await runDueFires(deps, { instanceId: 'a', runFire: recordingRunner });
    expect(outcomes.map((o) => [o.fireAt.toISOString(), o.status])).toEqual([['2027-01-04T00:00:00.000Z', 'scheduled']]);

    clock.now = new Date('2027-01-04T00:01:00Z');
    expect(await runDueFires(deps, { instanceId: 'b', runFire: recordingRunner })).toEqual([]);
    expect(await campaignCount(scheduleId)).toBe(1);

    const campaign = await database().db.selectFrom('campaigns').selectAll().where('schedule_id', '=', scheduleId).executeTakeFirstOrThrow();
    expect(campaign.status).toBe('scheduled');
    expect(new Date(campaign.send_at!).toISOString()).toBe('2027-01-04T00:00:02.000Z');
  });

  it('catchUp runs the newest missed fire once', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * *', timezone: 'UTC', missedFire: 'catchUp', maxLatenessMinutes: 120 },
      new Date('2027-01-01T00:00:00Z'),
    );
    const deps = clockedDeps(database().db, clock);

    // Nothing ran from 1 to 4 January; the scheduler comes back at 10:30 on the 4th.
    clock.now = new Date('2027-01-04T10:30:00Z');
    await runDueFires(deps, { instanceId: 'a', runFire: recordingRunner });
    await runDueFires(deps, { instanceId: 'b', runFire: recordingRunner });

    const rows = await fires(scheduleId);
    expect(rows.map((row) => [new Date(row.fire_at).toISOString(), row.status])).toEqual([
      ['2027-01-01T09:00:00.000Z', 'missed'],
      ['2027-01-02T09:00:00.000Z', 'missed'],
      ['2027-01-03T09:00:00.000Z', 'missed'],
      ['2027-01-04T09:00:00.000Z', 'scheduled'],
    ]);
    expect(rows[3]!.late_seconds).toBe(90 * 60);
    expect(await campaignCount(scheduleId)).toBe(1);
  });

  it('catchUp past the lateness limit records a miss', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * *', timezone: 'UTC', missedFire: 'catchUp', maxLatenessMinutes: 60 },
      new Date('2027-01-04T00:00:00Z'),
    );
    clock.now = new Date('2027-01-04T10:30:00Z');
    await runDueFires(clockedDeps(database().db, clock), { instanceId: 'a', runFire: recordingRunner });

    const rows = await fires(scheduleId);
    expect(rows.map((row) => row.status)).toEqual(['missed']);
    expect(rows[0]!.reason).toMatch(/more than the lateness limit of 60 minutes/);
    expect(await campaignCount(scheduleId)).toBe(0);
  });

  it('skip policy records a miss', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * *', timezone: 'UTC', missedFire: 'skip' },
      new Date('2027-01-04T00:00:00Z'),
    );
    clock.now = new Date('2027-01-04T09:30:00Z');
    await runDueFires(clockedDeps(database().db, clock), { instanceId: 'a', runFire: recordingRunner });

    const rows = await fires(scheduleId);
    expect(rows.map((row) => row.status)).toEqual(['missed']);
    expect(rows[0]!.reason).toMatch(/skips missed fires/);
    expect(await campaignCount(scheduleId)).toBe(0);
  });

  it('a failing run is recorded and editors notified', async () => {
    const { scheduleId } = await createDigestSchedule(database().db, { cron: '0 9 * * *', timezone: 'UTC' }, new Date('2027-01-04T00:00:00Z'));
    clock.now = new Date('2027-01-04T09:00:00Z');
    await runDueFires(clockedDeps(database().db, clock), {
      instanceId: 'a',
      runFire: async () => {
        throw new Error('the audience names segment 99, which does not exist');
      },
    });

    const rows = await fires(scheduleId);
    expect(rows.map((row) => [row.status, row.reason])).toEqual([['failed', 'the audience names segment 99, which does not exist']]);
    const notes = await database().db.selectFrom('editor_notifications').selectAll().execute();
    expect(notes).toHaveLength(1);
    expect(notes[0]!.kind).toBe('digest_failed');
    expect(notes[0]!.schedule_id).toBe(scheduleId);
  });

  it('a disabled schedule does not fire', async () => {
    const { scheduleId } = await createDigestSchedule(
      database().db,
      { cron: '0 9 * * *', timezone: 'UTC', enabled: false },
      new Date('2027-01-04T00:00:00Z'),
    );
    clock.now = new Date('2027-01-04T09:00:00Z');
    expect(await runDueFires(clockedDeps(database().db, clock), { instanceId: 'a', runFire: recordingRunner })).toEqual([]);
    expect(await fires(scheduleId)).toEqual([]);
  });

  it('an abandoned run is failed later', async () => {
    const { scheduleId } = await createDigestSchedule(database().db, { cron: '0 9 * * *', timezone: 'UTC' }, new Date('2027-01-04T00:00:00Z'));
    // A process claimed the fire at 09:00 and stopped before recording the outcome.
    await database()
      .db.insertInto('schedule_fires')
      .values({ schedule_id: scheduleId, fire_at: new Date('2027-01-04T09:00:00Z'), status: 'running', claimed_by: 'gone', created_at: new Date('2027-01-04T09:00:00Z') })
      .execute();
    const deps = clockedDeps(database().db, clock);

    clock.now = new Date('2027-01-04T09:10:00Z');
    await runDueFires(deps, { instanceId: 'a', runFire: recordingRunner });
    expect((await fires(scheduleId)).map((row) => row.status)).toEqual(['running']);

    clock.now = new Date('2027-01-04T09:31:00Z');
    await runDueFires(deps, { instanceId: 'a', runFire: recordingRunner });
    const rows = await fires(scheduleId);
    expect(rows.map((row) => row.status)).toEqual(['failed']);
    expect(rows[0]!.reason).toMatch(/stopped before it finished/);
    expect(await campaignCount(scheduleId)).toBe(0);
    const notes = await database().db.selectFrom('editor_notifications').select('kind').execute();
    expect(notes.map((note) => note.kind)).toEqual(['digest_failed']);
  });
});
