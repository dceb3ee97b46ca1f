/**
 * Date wording in emails. Event times are shown in the event's own time zone, with the zone
 * named, because readers are spread across continents and a bare "09:00" misleads half of them.
 * For a reader who has given a time zone, the time in that zone follows (see `merge-fields.ts`).
 */

const dayFormat = (timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' });
const timeFormat = (timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });

/**
 * Returns e.g. "Monday, 4 January 2027, 09:00–17:00 (Asia/Seoul)". An all-day event shows its
 * days only ("Monday, 4 January 2027 (all day)"), with its end read as in iCalendar: the end of
 * an all-day event is exclusive, so midnight after the last day.
 */
export function formatEventWhen(startsAt: Date, endsAt: Date | null, timeZone: string | null, allDay = false): string {
  const zone = validZone(timeZone) ?? 'UTC';
  const day = dayFormat(zone);
  if (allDay) {
    const lastDay = endsAt && endsAt > startsAt ? lastDayOf(endsAt, zone) : startsAt;
    if (day.format(lastDay) === day.format(startsAt)) return `${day.format(startsAt)} (all day)`;
    return `${day.format(startsAt)} – ${day.format(lastDay)} (all day)`;
  }
  const time = timeFormat(zone);
  const start = `${day.format(startsAt)}, ${time.format(startsAt)}`;
  if (!endsAt) return `${start} (${zone})`;
  if (day.format(startsAt) === day.format(endsAt)) return `${start}–${time.format(endsAt)} (${zone})`;
  return `${start} – ${day.format(endsAt)}, ${time.format(endsAt)} (${zone})`;
}

/** Returns the last day of an all-day event: the day before an end at midnight, else the end's day. */
function lastDayOf(endsAt: Date, zone: string): Date {
  const atMidnight = timeFormat(zone).format(endsAt) === '00:00';
  return atMidnight ? new Date(endsAt.getTime() - 1) : endsAt;
}

/** Returns e.g. "4 January 2027" in UTC, for publication dates. */
export function formatDay(date: Date): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: 'UTC', day: 'numeric', month: 'long', year: 'numeric' }).format(date);
}

function validZone(timeZone: string | null): string | undefined {
  if (!timeZone) return undefined;
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone });
    return timeZone;
  } catch {
    return undefined;
  }
}
