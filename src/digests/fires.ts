/**
 * Deciding and claiming the fires of digest schedules. Any number of processes may call
 * `runDueFires` at any time: the unique (schedule, fire time) row in `schedule_fires` lets
 * exactly one of them run each fire, and the others skip it.
 *
 * For each enabled schedule, the fires due are the cron fire times after the later of the
 * schedule's `effective_from` and its newest recorded fire, up to now. Only the newest due fire
 * can run: it runs when it is at most `onTimeSeconds` late, and otherwise it is a missed fire
 * that the schedule's policy decides (`catch_up`: run it once if it is at most
 * `max_lateness_minutes` late; `skip`: record it as missed). Older due fires are recorded as
 * missed, because catching up means one issue, not one per fire missed.
 */
import type { Deps } from '../deps.ts';
import type { ScheduleFireStatus, ScheduleRow } from '../db/schema.ts';
import { fireTimesBetween, parseCron } from './cron.ts';
import { notifyEditors } from './notifications.ts';

/** How late a fire may start and still count as on time (scheduler ticks, slow processes). */
export const onTimeSeconds = 300;
/** How long a fire may stay `running` before it counts as abandoned by a stopped process. */
export const abandonedRunMinutes = 30;
/** Most missed fires recorded per schedule and pass; older ones are passed over silently. */
const maxMissedRecorded = 50;

/** What running one fire produced: the fire's final status and the campaign, if any. */
export interface FireResult {
  status: Exclude<ScheduleFireStatus, 'running' | 'missed'>;
  campaignId?: string;
  reason?: string;
}

/** Runs the digest of a schedule for one fire; the scheduler records what it returns. */
export type FireRunner = (deps: Deps, fire: { id: string; fireAt: Date; lateSeconds: number; schedule: ScheduleRow }) => Promise<FireResult>;

export interface FireOutcome {
  scheduleId: string;
  fireAt: Date;
  /** `running` never appears: a claimed fire ends as its runner's status or `failed`. */
  status: ScheduleFireStatus;
  campaignId?: string;
  reason?: string;
}

export interface RunDueOptions {
  /** Names this process in `claimed_by`, for operators reading the fire history. */
  instanceId: string;
  runFire: FireRunner;
  /** Only these schedules (a node-cron task fires one); default every enabled schedule. */
  scheduleIds?: string[];
}

/** Records and runs every due fire this process wins; returns what it did. */
export async function runDueFires(deps: Deps, options: RunDueOptions): Promise<FireOutcome[]> {
  let query = deps.db.selectFrom('schedules').selectAll().where('enabled', '=', true).orderBy('id');
  if (options.scheduleIds) {
    if (options.scheduleIds.length === 0) return [];
    query = query.where('id', 'in', options.scheduleIds);
  }
  const schedules = await query.execute();

  const outcomes: FireOutcome[] = [];
  for (const schedule of schedules) {
    try {
      outcomes.push(...(await runDueFiresOf(deps, schedule, options)));
    } catch (error) {
      // One schedule's failure (a database error, say) must not stop the others.
      deps.logger.error({ err: error, scheduleId: schedule.id }, 'checking a schedule for due fires failed');
    }
  }
  return outcomes;
}

async function runDueFiresOf(deps: Deps, schedule: ScheduleRow, options: RunDueOptions): Promise<FireOutcome[]> {
  const now = deps.now();
  const log = deps.logger.child({ scheduleId: schedule.id });
  const cron = parseCron(schedule.cron, schedule.timezone);
  await failAbandonedRuns(deps, schedule, now);

  const newest = await deps.db
    .selectFrom('schedule_fires')
    .select((eb) => eb.fn.max('fire_at').as('fire_at'))
    .where('schedule_id', '=', schedule.id)
    .executeTakeFirst();
  const effectiveFrom = new Date(schedule.effective_from);
  const newestFire = newest?.fire_at ? new Date(newest.fire_at) : undefined;
  const cursor = newestFire && newestFire > effectiveFrom ? newestFire : effectiveFrom;

  const due = fireTimesBetween(cron, cursor, now, maxMissedRecorded + 1);
  if (due.length === 0) return [];

  const outcomes: FireOutcome[] = [];
  const latest = due.pop()!;
  for (const fireAt of due) {
    const reason = `Superseded by the fire at ${latest.toISOString()}; a missed run is caught up at most once.`;
    if (await recordMissed(deps, schedule, fireAt, now, options.instanceId, reason)) {
      log.warn({ fireAt }, 'schedule fire missed');
      outcomes.push({ scheduleId: schedule.id, fireAt, status: 'missed', reason });
    }
  }

  const lateSeconds = Math.max(0, Math.floor((now.getTime() - latest.getTime()) / 1000));
  if (lateSeconds > onTimeSeconds) {
    const withinLimit = lateSeconds <= schedule.max_lateness_minutes * 60;
    if (schedule.missed_fire === 'skip' || !withinLimit) {
      const reason =
        schedule.missed_fire === 'skip'
          ? `Missed by ${formatMinutes(lateSeconds)} while no scheduler ran; the schedule skips missed fires.`
          : `Missed by ${formatMinutes(lateSeconds)}, more than the lateness limit of ${schedule.max_lateness_minutes} minutes.`;
      if (await recordMissed(deps, schedule, latest, now, options.instanceId, reason)) {
        log.warn({ fireAt: latest, lateSeconds }, 'schedule fire missed');
        outcomes.push({ scheduleId: schedule.id, fireAt: latest, status: 'missed', reason });
      }
      return outcomes;
    }
  }

  const claimed = await deps.db
    .insertInto('schedule_fires')
    .values({
      schedule_id: schedule.id,
      fire_at: latest,
      status: 'running',
      late_seconds: lateSeconds,
      claimed_by: options.instanceId,
      created_at: now,
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'fire_at']).doNothing())
    .returning('id')
    .executeTakeFirst();
  if (!claimed) return outcomes; // another process has this fire

  // A process that dies between this claim and the update below leaves the fire `running`.
  // Nothing runs it again, because the issue may already exist: `failAbandonedRuns` marks it
  // failed later and tells the editors.

  const fireLog = log.child({ fireId: claimed.id, fireAt: latest });
  fireLog.info({ lateSeconds, instanceId: options.instanceId }, 'schedule fire claimed');
  let result: FireResult;
  try {
    result = await options.runFire(deps, { id: claimed.id, fireAt: latest, lateSeconds, schedule });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    fireLog.error({ err: error }, 'digest run failed');
    result = { status: 'failed', reason: message };
    await notifyFailure(deps, schedule, latest, message);
  }
  await deps.db
    .updateTable('schedule_fires')
    .set({
      status: result.status,
      campaign_id: result.campaignId ?? null,
      reason: result.reason ?? null,
      finished_at: deps.now(),
    })
    .where('id', '=', claimed.id)
    .execute();
  fireLog.info({ status: result.status, campaignId: result.campaignId }, 'schedule fire finished');
  outcomes.push({ scheduleId: schedule.id, fireAt: latest, status: result.status, campaignId: result.campaignId, reason: result.reason });
  return outcomes;
}

/**
 * Marks fires that stayed `running` for `abandonedRunMinutes` as failed and notifies the
 * editors. The conditional update lets one process report each such fire.
 */
async function failAbandonedRuns(deps: Deps, schedule: ScheduleRow, now: Date): Promise<void> {
  const reason =
    'The process running this fire stopped before it finished. Look for a draft or scheduled campaign of this digest before running it again by hand.';
  const abandoned = await deps.db
    .updateTable('schedule_fires')
    .set({ status: 'failed', reason, finished_at: now })
    .where('schedule_id', '=', schedule.id)
    .where('status', '=', 'running')
    .where('created_at', '<', new Date(now.getTime() - abandonedRunMinutes * 60_000))
    .returning(['id', 'fire_at', 'claimed_by'])
    .execute();
  for (const fire of abandoned) {
    deps.logger.error({ scheduleId: schedule.id, fireId: fire.id, claimedBy: fire.claimed_by }, 'schedule fire abandoned mid-run');
    await notifyFailure(deps, schedule, new Date(fire.fire_at), reason);
  }
}

async function recordMissed(
  deps: Deps,
  schedule: ScheduleRow,
  fireAt: Date,
  now: Date,
  instanceId: string,
  reason: string,
): Promise<boolean> {
  const inserted = await deps.db
    .insertInto('schedule_fires')
    .values({
      schedule_id: schedule.id,
      fire_at: fireAt,
      status: 'missed',
      late_seconds: Math.max(0, Math.floor((now.getTime() - fireAt.getTime()) / 1000)),
      claimed_by: instanceId,
      reason,
      created_at: now,
      finished_at: now,
    })
    .onConflict((oc) => oc.columns(['schedule_id', 'fire_at']).doNothing())
    .returning('id')
    .executeTakeFirst();
  return inserted !== undefined;
}

async function notifyFailure(deps: Deps, schedule: ScheduleRow, fireAt: Date, message: string): Promise<void> {
  try {
    await notifyEditors(deps, {
      kind: 'digest_failed',
      title: `Digest run failed: ${schedule.name}`,
      body: `The run of "${schedule.name}" due at ${fireAt.toISOString()} failed: ${message}\n\nFix the cause, then run the digest by hand with POST /api/digests/${schedule.digest_id}/run if the issue should still go out.`,
      scheduleId: schedule.id,
      digestId: schedule.digest_id,
    });
  } catch (error) {
    deps.logger.error({ err: error, scheduleId: schedule.id }, 'recording a failed digest run for editors failed');
  }
}

function formatMinutes(seconds: number): string {
  const minutes = Math.round(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
