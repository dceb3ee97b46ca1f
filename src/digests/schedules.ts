/**
 * Schedules: when a digest runs (a node-cron 4 expression in an IANA zone) and what to do with
 * fires missed while no scheduler ran. A schedule is created for an existing digest (`digest`)
 * or together with one, from the digest's fields in the same body.
 */
import { sql, type Kysely, type Transaction } from 'kysely';
import type { Database, MissedFirePolicy, ScheduleFireStatus, ScheduleRow } from '../db/schema.ts';
import { NotFoundError, ValidationError } from '../errors.ts';
import { offsetOf, type Page } from '../http/pagination.ts';
import { CronExpressionError, nextFireTimes, parseCron } from './cron.ts';
import { findDigest, getDigest, insertDigest, type Digest, type DigestInput } from './digests.ts';

type Executor = Kysely<Database> | Transaction<Database>;

export interface ScheduleInput {
  /** The digest to run; without it, `digestInput` creates one. */
  digest?: string;
  digestInput?: DigestInput;
  name?: string;
  cron: string;
  timezone: string;
  missedFire?: 'catchUp' | 'skip';
  maxLatenessMinutes?: number;
  enabled?: boolean;
}

export interface Schedule {
  id: string;
  digestId: string;
  name: string;
  cron: string;
  timezone: string;
  missedFire: 'catchUp' | 'skip';
  maxLatenessMinutes: number;
  enabled: boolean;
  /** The next fire times (ISO 8601, UTC); empty while disabled. */
  nextRuns: string[];
  lastFire: ScheduleFire | null;
  digest: Digest;
  createdAt: string;
  updatedAt: string;
}

export interface ScheduleFire {
  id: string;
  fireAt: string;
  status: ScheduleFireStatus;
  lateSeconds: number;
  campaignId: string | null;
  claimedBy: string | null;
  reason: string | null;
  finishedAt: string | null;
}

const idPattern = /^[0-9]{1,18}$/;
const nextRunsShown = 5;

const policyToSql: Record<'catchUp' | 'skip', MissedFirePolicy> = { catchUp: 'catch_up', skip: 'skip' };
const policyFromSql: Record<MissedFirePolicy, 'catchUp' | 'skip'> = { catch_up: 'catchUp', skip: 'skip' };

export async function listSchedules(db: Executor, now: Date, query: { page: number; pageSize: number; digest?: string }): Promise<Page<Schedule>> {
  let base = db.selectFrom('schedules');
  if (query.digest) base = base.where('digest_id', '=', idPattern.test(query.digest) ? query.digest : '0');
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('id').limit(query.pageSize).offset(offsetOf(query.page, query.pageSize)).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  const items = await Promise.all(rows.map((row) => toSchedule(db, row, now)));
  return { items, total: Number(total.count), page: query.page, pageSize: query.pageSize };
}

export async function findSchedule(db: Executor, id: string): Promise<ScheduleRow> {
  const row = idPattern.test(id) ? await db.selectFrom('schedules').selectAll().where('id', '=', id).executeTakeFirst() : undefined;
  if (!row) throw new NotFoundError(`No schedule with id ${id}.`);
  return row;
}

export async function getSchedule(db: Executor, id: string, now: Date): Promise<Schedule> {
  return toSchedule(db, await findSchedule(db, id), now);
}

/** Creates a schedule (and its digest, when given inline); fires before `now` never run. */
export async function createSchedule(db: Kysely<Database>, input: ScheduleInput, now: Date, actor = 'system'): Promise<Schedule> {
  checkCron(input.cron, input.timezone);
  const id = await db.transaction().execute(async (trx) => {
    let digestId: string;
    let digestName: string;
    if (input.digest !== undefined) {
      const digest = await findDigest(trx, input.digest).catch((error: unknown) => {
        if (error instanceof NotFoundError) {
          throw new ValidationError(`The schedule names digest ${input.digest}, which does not exist.`, [
            { path: 'digest', message: 'expected the id of an existing digest' },
          ]);
        }
        throw error;
      });
      digestId = digest.id;
      digestName = digest.name;
    } else if (input.digestInput) {
      const digest = await insertDigest(trx, input.digestInput, actor);
      digestId = digest.id;
      digestName = digest.name;
    } else {
      throw new ValidationError('The schedule needs a digest: give "digest" (an id) or the digest fields.', [
        { path: 'digest', message: 'expected a digest id, or name, subject and an audience' },
      ]);
    }
    const row = await trx
      .insertInto('schedules')
      .values({
        digest_id: digestId,
        name: input.name ?? digestName,
        cron: input.cron.trim(),
        timezone: input.timezone,
        missed_fire: policyToSql[input.missedFire ?? 'catchUp'],
        max_lateness_minutes: input.maxLatenessMinutes ?? 360,
        enabled: input.enabled ?? true,
        effective_from: now,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await audit(trx, actor, 'schedule.created', row.id, { cron: input.cron, timezone: input.timezone, digestId });
    return row.id;
  });
  return getSchedule(db, id, now);
}

export interface ScheduleChanges {
  name?: string;
  cron?: string;
  timezone?: string;
  missedFire?: 'catchUp' | 'skip';
  maxLatenessMinutes?: number;
  enabled?: boolean;
}

/**
 * Changes a schedule. A new cron expression or zone, or enabling it again, starts it afresh
 * from `now`: fires of the old rhythm, or of the time it was off, are not caught up.
 */
export async function updateSchedule(db: Kysely<Database>, id: string, changes: ScheduleChanges, now: Date, actor = 'system'): Promise<Schedule> {
  await db.transaction().execute(async (trx) => {
    const current = await trx.selectFrom('schedules').selectAll().where('id', '=', idPattern.test(id) ? id : '0').forUpdate().executeTakeFirst();
    if (!current) throw new NotFoundError(`No schedule with id ${id}.`);
    const cron = changes.cron ?? current.cron;
    const timezone = changes.timezone ?? current.timezone;
    checkCron(cron, timezone);
    const restarts =
      cron.trim() !== current.cron || timezone !== current.timezone || (changes.enabled === true && !current.enabled);
    await trx
      .updateTable('schedules')
      .set({
        name: changes.name ?? current.name,
        cron: cron.trim(),
        timezone,
        missed_fire: changes.missedFire ? policyToSql[changes.missedFire] : current.missed_fire,
        max_lateness_minutes: changes.maxLatenessMinutes ?? current.max_lateness_minutes,
        enabled: changes.enabled ?? current.enabled,
        ...(restarts ? { effective_from: now } : {}),
        updated_at: sql`now()`,
      })
      .where('id', '=', current.id)
      .execute();
    await audit(trx, actor, 'schedule.updated', current.id, { fields: Object.keys(changes), restarted: restarts });
  });
  return getSchedule(db, id, now);
}

export async function deleteSchedule(db: Kysely<Database>, id: string, actor = 'system'): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const row = await findSchedule(trx, id);
    await trx.deleteFrom('schedules').where('id', '=', row.id).execute();
    await audit(trx, actor, 'schedule.deleted', row.id, {});
  });
}

/** Lists the next `count` fire times of a schedule after `now`. */
export async function nextRuns(db: Executor, id: string, now: Date, count: number): Promise<string[]> {
  const row = await findSchedule(db, id);
  return nextFireTimes(parseCron(row.cron, row.timezone), now, count).map((date) => date.toISOString());
}

/** The fire history of a schedule, newest first. */
export async function listFires(db: Executor, id: string, page: number, pageSize: number): Promise<Page<ScheduleFire>> {
  const row = await findSchedule(db, id);
  const base = db.selectFrom('schedule_fires').where('schedule_id', '=', row.id);
  const [rows, total] = await Promise.all([
    base.selectAll().orderBy('fire_at', 'desc').limit(pageSize).offset(offsetOf(page, pageSize)).execute(),
    base.select((eb) => eb.fn.countAll<string>().as('count')).executeTakeFirstOrThrow(),
  ]);
  return { items: rows.map(toFire), total: Number(total.count), page, pageSize };
}

/** Checks a cron expression and zone, throwing a ValidationError that names the bad one. */
export function checkCron(expression: string, timeZone: string): void {
  try {
    parseCron(expression, timeZone);
  } catch (error) {
    if (error instanceof CronExpressionError) {
      const path = /IANA time zone/.test(error.message) ? 'timezone' : 'cron';
      throw new ValidationError(`The schedule is invalid: ${path}: ${error.message}`, [{ path, message: error.message }]);
    }
    throw error;
  }
}

async function toSchedule(db: Executor, row: ScheduleRow, now: Date): Promise<Schedule> {
  const last = await db
    .selectFrom('schedule_fires')
    .selectAll()
    .where('schedule_id', '=', row.id)
    .orderBy('fire_at', 'desc')
    .limit(1)
    .executeTakeFirst();
  const from = new Date(Math.max(now.getTime(), new Date(row.effective_from).getTime()));
  return {
    id: row.id,
    digestId: row.digest_id,
    name: row.name,
    cron: row.cron,
    timezone: row.timezone,
    missedFire: policyFromSql[row.missed_fire],
    maxLatenessMinutes: row.max_lateness_minutes,
    enabled: row.enabled,
    nextRuns: row.enabled ? nextFireTimes(parseCron(row.cron, row.timezone), from, nextRunsShown).map((d) => d.toISOString()) : [],
    lastFire: last ? toFire(last) : null,
    digest: await getDigest(db, row.digest_id),
    createdAt: new Date(row.created_at).toISOString(),
    updatedAt: new Date(row.updated_at).toISOString(),
  };
}

function toFire(row: {
  id: string;
  fire_at: Date;
  status: ScheduleFireStatus;
  late_seconds: number;
  campaign_id: string | null;
  claimed_by: string | null;
  reason: string | null;
  finished_at: Date | null;
}): ScheduleFire {
  return {
    id: row.id,
    fireAt: new Date(row.fire_at).toISOString(),
    status: row.status,
    lateSeconds: row.late_seconds,
    campaignId: row.campaign_id,
    claimedBy: row.claimed_by,
    reason: row.reason,
    finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
  };
}

async function audit(db: Executor, actor: string, action: string, id: string, details: Record<string, unknown>) {
  await db.insertInto('audit_log').values({ actor, action, target: `schedule:${id}`, details }).execute();
}
