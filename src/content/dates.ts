/**
 * Dates from content sources: lenient parsing of feed dates (RFC 822 and its obsolete forms,
 * ISO 8601) and wall-clock times in an IANA time zone.
 */
import { DateTime, FixedOffsetZone } from 'luxon';

/** Returns the canonical IANA name of a time zone (`asia/seoul` → `Asia/Seoul`), or undefined. */
export function canonicalTimeZone(name: string): string | undefined {
  const trimmed = name.trim();
  if (trimmed === '') return undefined;
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: trimmed }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

/** The offsets of the zone names RFC 822 allows (section 5.1), in minutes east of UTC. */
const namedZones: Record<string, number> = {
  UT: 0,
  UTC: 0,
  GMT: 0,
  Z: 0,
  EST: -300,
  EDT: -240,
  CST: -360,
  CDT: -300,
  MST: -420,
  MDT: -360,
  PST: -480,
  PDT: -420,
};

const months = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];

// Day, month name, year of two or four digits, a time with or without colons, then a zone:
// "03 Apr 02 1500 GMT" (RSS 0.92), "Wed, 3 Jan 2018 13:47 +0100", "3 April 2018 13:47:00 PST".
const obsoleteRfc822 =
  /^(?:[a-z]{3,9},?\s+)?(\d{1,2})\s+([a-z]{3,9})\.?\s+(\d{4}|\d{2})\s+(\d{1,2}):?(\d{2})(?::?(\d{2}))?\s*([a-z]{1,5}|[+-]\d{2}:?\d{2})?$/i;

/**
 * Parses a date as feeds write it, returning undefined when nothing sensible comes out.
 * Tries ISO 8601, RFC 2822 and HTTP dates first, then the obsolete RFC 822 forms that old RSS
 * feeds use: two-digit years (00–49 are 20xx, 50–99 are 19xx, as RFC 2822 section 4.3 reads
 * them), times without colons and named zones. A missing zone means UTC.
 */
export function parseFeedDate(value: unknown): Date | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value;
  if (typeof value !== 'string') return undefined;
  const text = value.trim().replace(/\s+/g, ' ');
  if (text === '') return undefined;

  for (const attempt of [
    () => DateTime.fromISO(text, { zone: 'utc' }),
    () => DateTime.fromRFC2822(text, { zone: 'utc' }),
    () => DateTime.fromHTTP(text, { zone: 'utc' }),
  ]) {
    const parsed = attempt();
    if (parsed.isValid) return parsed.toJSDate();
  }

  const match = obsoleteRfc822.exec(text);
  if (match) {
    const [, day, monthName, yearText, hour, minute, second, zone] = match;
    const month = months.indexOf(monthName!.slice(0, 3).toLowerCase()) + 1;
    let year = Number(yearText);
    if (yearText!.length === 2) year += year < 50 ? 2000 : 1900;
    const offset = zoneOffsetMinutes(zone);
    if (month > 0 && offset !== undefined) {
      const parsed = DateTime.fromObject(
        { year, month, day: Number(day), hour: Number(hour), minute: Number(minute), second: Number(second ?? 0) },
        { zone: FixedOffsetZone.instance(offset) },
      );
      if (parsed.isValid) return parsed.toJSDate();
    }
  }
  return undefined;
}

function zoneOffsetMinutes(zone: string | undefined): number | undefined {
  if (zone === undefined) return 0;
  const named = namedZones[zone.toUpperCase()];
  if (named !== undefined) return named;
  const numeric = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!numeric) return undefined;
  const minutes = Number(numeric[2]) * 60 + Number(numeric[3]);
  return numeric[1] === '-' ? -minutes : minutes;
}

/** Wall-clock fields of a date and time, as an `.ics` file or a form gives them. */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour?: number;
  minute?: number;
  second?: number;
}

/** Returns the instant at which a wall clock in `timeZone` shows the given time. */
export function instantInZone(clock: WallClock, timeZone: string): Date | undefined {
  const parsed = DateTime.fromObject(clock, { zone: timeZone });
  return parsed.isValid ? parsed.toJSDate() : undefined;
}

/**
 * Parses an ISO 8601 date or date-time from an API or CSV input. A value with an offset or `Z`
 * is an instant; a value without one is a wall-clock time in `timeZone`; a bare date is
 * midnight there. Returns undefined when the value is not ISO 8601.
 */
export function parseIsoInZone(value: string, timeZone: string): { date: Date; dateOnly: boolean } | undefined {
  const text = value.trim();
  const parsed = DateTime.fromISO(text, { zone: timeZone });
  if (!parsed.isValid) return undefined;
  return { date: parsed.toJSDate(), dateOnly: /^\d{4}-\d{2}-\d{2}$/.test(text) };
}
