/**
 * Fire times of a cron expression in an IANA time zone, computed so that daylight-saving
 * changes neither skip nor double a fire.
 *
 * The expression is parsed by node-cron 4 (`parse`), so the syntax and field semantics are the
 * ones node-cron fires with: five fields (minute hour day-of-month month day-of-week), names for
 * months and weekdays, `L`, `nW`, `LW` and `L-n` in day-of-month, `n#k` and `nL` in
 * day-of-week, and both day fields must match (node-cron 4 joins them with AND, unlike Vixie
 * cron's OR). So the first Monday of each month at 09:00 is `0 9 * * 1#1`.
 *
 * node-cron matches wall-clock time as it passes, which skips a time that a spring-forward
 * change removes and fires twice at a time that a fall-back change repeats. Here each matching
 * local date and time maps to exactly one instant instead:
 * - a local time that does not exist (the spring-forward gap) fires at the same time shifted
 *   forward by the length of the gap (02:30 in Europe/Berlin on the last Sunday of March fires
 *   at 03:30 CEST), which is what luxon resolves it to;
 * - a local time that occurs twice (fall back) fires once, at its first occurrence.
 */
import { DateTime } from 'luxon';
import { parse, validateDetailed, type ParsedFields } from 'node-cron';

export interface CronSchedule {
  expression: string;
  timeZone: string;
  fields: ParsedFields;
}

export class CronExpressionError extends Error {
  override name = 'CronExpressionError';
}

/**
 * Parses and checks an expression and a zone; throws `CronExpressionError` with a message that
 * names the bad part.
 */
export function parseCron(expression: string, timeZone: string): CronSchedule {
  const trimmed = expression.trim().replace(/\s+/g, ' ');
  if (!isValidTimeZone(timeZone)) {
    throw new CronExpressionError(`"${timeZone}" is not an IANA time zone; use a name such as Europe/Berlin or Asia/Seoul.`);
  }
  if (trimmed.startsWith('@')) {
    throw new CronExpressionError(`"${expression}": write the five fields out (for example "0 0 1 * *" for @monthly).`);
  }
  const fieldCount = trimmed.split(' ').length;
  if (fieldCount !== 5) {
    throw new CronExpressionError(
      `"${expression}" has ${fieldCount} fields; expected five: minute hour day-of-month month day-of-week (for example "0 9 * * 1#1").`,
    );
  }
  const checked = validateDetailed(trimmed);
  if (!checked.valid) {
    const first = checked.errors[0];
    const detail = first ? `${first.field}: ${first.message}` : 'it does not parse';
    throw new CronExpressionError(`"${expression}" is not a valid cron expression (${detail}).`);
  }
  return { expression: trimmed, timeZone, fields: parse(trimmed) };
}

export function isValidTimeZone(timeZone: string): boolean {
  if (!timeZone || timeZone.trim() !== timeZone) return false;
  return DateTime.now().setZone(timeZone).isValid;
}

/**
 * Returns the fire times after `after` (exclusive) up to `until` (inclusive), oldest first, at
 * most `limit` of them (the newest `limit` when there are more, since those are the ones that
 * matter when catching up).
 */
export function fireTimesBetween(schedule: CronSchedule, after: Date, until: Date, limit = 1000): Date[] {
  const found: Date[] = [];
  for (const instant of walkFireTimes(schedule, after)) {
    if (instant.getTime() > until.getTime()) break;
    found.push(instant);
    if (found.length > limit) found.shift();
  }
  return found;
}

/** Returns the next `count` fire times after `after`. */
export function nextFireTimes(schedule: CronSchedule, after: Date, count: number): Date[] {
  const found: Date[] = [];
  if (count <= 0) return found;
  for (const instant of walkFireTimes(schedule, after)) {
    found.push(instant);
    if (found.length >= count) break;
  }
  return found;
}

/** Returns the latest fire time at or before `at`, looking back at most `lookbackDays`. */
export function previousFireTime(schedule: CronSchedule, at: Date, lookbackDays = 400): Date | undefined {
  const from = new Date(at.getTime() - lookbackDays * 86_400_000);
  return fireTimesBetween(schedule, from, at, 1)[0];
}

/** How far ahead the walk looks before concluding that an expression never fires (Feb 30th). */
const maxDays = 366 * 8;

function* walkFireTimes(schedule: CronSchedule, after: Date): Generator<Date> {
  const { fields, timeZone } = schedule;
  const afterMs = after.getTime();
  // Start a day early: a local date's times can begin before `after`'s local date in another
  // offset, and the `> afterMs` check drops whatever is too early.
  let day = DateTime.fromJSDate(after, { zone: timeZone }).startOf('day').minus({ days: 1 });
  const hours = [...fields.hour].sort((a, b) => a - b);
  const minutes = [...fields.minute].sort((a, b) => a - b);
  let lastYielded = -Infinity;

  for (let i = 0; i < maxDays; i++, day = day.plus({ days: 1 })) {
    if (!matchesDate(fields, day.year, day.month, day.day)) continue;
    const instants: number[] = [];
    for (const hour of hours) {
      for (const minute of minutes) {
        instants.push(localToInstant(day.year, day.month, day.day, hour, minute, timeZone));
      }
    }
    // A gap can shift one local time onto another's instant; order and drop repeats.
    instants.sort((a, b) => a - b);
    for (const instant of instants) {
      if (instant <= afterMs || instant <= lastYielded) continue;
      lastYielded = instant;
      yield new Date(instant);
    }
  }
}

/**
 * Converts a local wall time to an instant: the first occurrence when the time repeats, and
 * luxon's forward shift when the time falls in a gap.
 */
function localToInstant(year: number, month: number, day: number, hour: number, minute: number, zone: string): number {
  const resolved = DateTime.fromObject({ year, month, day, hour, minute }, { zone });
  const wallAsUtc = Date.UTC(year, month - 1, day, hour, minute);
  // The offsets in force a day either side cover every transition a wall time can sit in.
  const offsets = new Set([
    DateTime.fromMillis(wallAsUtc - 86_400_000, { zone }).offset,
    DateTime.fromMillis(wallAsUtc + 86_400_000, { zone }).offset,
    resolved.offset,
  ]);
  const exact = [...offsets]
    .map((offset) => wallAsUtc - offset * 60_000)
    .filter((instant) => {
      const local = DateTime.fromMillis(instant, { zone });
      return local.year === year && local.month === month && local.day === day && local.hour === hour && local.minute === minute;
    });
  return exact.length > 0 ? Math.min(...exact) : resolved.toMillis();
}

function matchesDate(fields: ParsedFields, year: number, month: number, day: number): boolean {
  if (!fields.month.includes(month)) return false;
  const date = DateTime.utc(year, month, day);
  const lastDay = date.daysInMonth!;
  const weekday = date.weekday % 7; // luxon: Monday 1 .. Sunday 7; cron: Sunday 0 .. Saturday 6

  const dayOfMonth = fields.dayOfMonth.some((value) => {
    if (typeof value === 'number') return value === day;
    if (value === 'L') return day === lastDay;
    const nearest = /^(\d{1,2}|L)W$/.exec(value);
    if (nearest) return nearestWeekday(year, month, nearest[1] === 'L' ? lastDay : Number(nearest[1])) === day;
    const offset = /^L-(\d{1,2})$/.exec(value);
    if (offset) return lastDay - Number(offset[1]) === day;
    return false;
  });
  if (!dayOfMonth) return false;

  return fields.dayOfWeek.some((value) => {
    if (typeof value === 'number') return value % 7 === weekday;
    const nth = /^([0-7])#([1-5])$/.exec(value);
    if (nth) return Number(nth[1]) % 7 === weekday && Math.floor((day - 1) / 7) + 1 === Number(nth[2]);
    const last = /^([0-7])L$/i.exec(value);
    if (last) return Number(last[1]) % 7 === weekday && day + 7 > lastDay;
    return false;
  });
}

/** The weekday nearest to day `target` within the month (cron's `W`), or -1 past the month's end. */
function nearestWeekday(year: number, month: number, target: number): number {
  const lastDay = DateTime.utc(year, month, 1).daysInMonth!;
  if (target < 1 || target > lastDay) return -1;
  const weekday = DateTime.utc(year, month, target).weekday % 7;
  if (weekday === 6) return target === 1 ? target + 2 : target - 1;
  if (weekday === 0) return target === lastDay ? target - 2 : target + 1;
  return target;
}
