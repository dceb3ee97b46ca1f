/**
 * iCalendar (RFC 5545) files read with ical.js: each VEVENT becomes an event draft.
 *
 * Times are resolved in this order: a `TZID` that is an IANA name (converted with the zone
 * data of `Intl`), a `TZID` defined by a VTIMEZONE in the file (ical.js applies its rules),
 * then UTC times. Floating times and all-day dates are read in the event's
 * `X-GAZETTE-TIMEZONE`, else the calendar's `X-WR-TIMEZONE`, else UTC.
 */
import ICAL from 'ical.js';
import { canonicalTimeZone, instantInZone } from './dates.ts';
import type { EntryDraft } from './entry.ts';
import type { ParsedDocument, ParsedEntry } from './parsed.ts';

/**
 * Event details that RFC 5545 has no property for, as `X-` properties (which section 3.8.8.2
 * lets producers add). Gazette reads them here and writes them into its own `.ics` files.
 */
export const gazetteProperties = {
  /** The venue alone, where LOCATION also names the city and country. */
  venue: 'x-gazette-venue',
  /** `TRUE` for an event that can be joined online (with or without a venue). */
  online: 'x-gazette-online',
  registrationUrl: 'x-gazette-registration-url',
  registrationDeadline: 'x-gazette-registration-deadline',
  city: 'x-gazette-city',
  country: 'x-gazette-country',
  timezone: 'x-gazette-timezone',
} as const;

export class NotACalendarError extends Error {
  override name = 'NotACalendarError';
}

/** Parses an `.ics` text; throws `NotACalendarError` when it is not iCalendar. */
export function parseIcsText(text: string): ParsedDocument {
  let calendar: ICAL.Component;
  try {
    calendar = new ICAL.Component(ICAL.parse(text) as any[]);
  } catch (error) {
    throw new NotACalendarError(`not an iCalendar file (${(error as Error).message})`);
  }
  if (calendar.name !== 'vcalendar') throw new NotACalendarError('not an iCalendar file (no VCALENDAR)');

  const calendarZone = canonicalTimeZone(String(calendar.getFirstPropertyValue('x-wr-timezone') ?? '')) ?? 'UTC';
  const entries: ParsedEntry[] = calendar.getAllSubcomponents('vevent').map((component, index) => {
    try {
      return { position: index + 1, draft: eventDraft(component, calendarZone) };
    } catch (error) {
      return { position: index + 1, error: `unreadable event: ${(error as Error).message}` };
    }
  });
  return {
    format: 'ics',
    title: stringValue(calendar.getFirstPropertyValue('x-wr-calname')),
    entries,
  };
}

function eventDraft(component: ICAL.Component, calendarZone: string): EntryDraft {
  // NOTE: a recurring event (RRULE) is stored once, at its first occurrence.
  const event = new ICAL.Event(component);
  // Gazette's own files give times in UTC and name the event's zone separately; all-day dates
  // and floating times are read in that zone.
  const declaredZone = canonicalTimeZone(stringValue(component.getFirstPropertyValue(gazetteProperties.timezone)) ?? '');
  const zone = declaredZone ?? calendarZone;
  const start = resolveTime(component.getFirstProperty('dtstart'), zone);
  let end = resolveTime(component.getFirstProperty('dtend'), zone);
  if (!end && start && component.hasProperty('duration')) {
    const duration = component.getFirstPropertyValue('duration') as ICAL.Duration;
    end = { ...start, date: new Date(start.date.getTime() + duration.toSeconds() * 1000) };
  }

  const location = stringValue(component.getFirstPropertyValue('location'));
  const url = stringValue(component.getFirstPropertyValue('url'));
  // CONFERENCE (RFC 7986) is the address of an online meeting.
  const online = component.hasProperty('conference') || /\b(online|virtual|webinar)\b/i.test(location ?? '');
  const categories = component
    .getAllProperties('categories')
    .flatMap((property) => property.getValues().map(String));
  const attachments = component.getAllProperties('attach');
  const image = component.getFirstProperty('image');

  return {
    guid: event.uid || undefined,
    title: event.summary,
    url,
    summary: escapeText(event.description ?? ''),
    startsAt: start?.date,
    endsAt: end?.date,
    timezone: declaredZone ?? start?.zone ?? calendarZone,
    allDay: start?.dateOnly ?? false,
    venue: stringValue(component.getFirstPropertyValue(gazetteProperties.venue)) ??
      (/^(online|virtual|webinar)$/i.test(location ?? '') ? undefined : location),
    online: online || /^true$/i.test(stringValue(component.getFirstPropertyValue(gazetteProperties.online)) ?? ''),
    city: stringValue(component.getFirstPropertyValue(gazetteProperties.city)),
    country: stringValue(component.getFirstPropertyValue(gazetteProperties.country)),
    registrationUrl: stringValue(component.getFirstPropertyValue(gazetteProperties.registrationUrl)),
    registrationDeadline: resolveTime(component.getFirstProperty(gazetteProperties.registrationDeadline), start?.zone ?? zone)?.date,
    topics: categories,
    publishedAt: toDate(component.getFirstPropertyValue('created')) ?? toDate(component.getFirstPropertyValue('dtstamp')),
    imageUrl: stringValue(image?.getFirstValue()) ?? attachments
      .find((attachment) => /^image\//i.test(String(attachment.getParameter('fmttype') ?? '')))
      ?.getFirstValue() as string | undefined,
    language: stringValue(component.getFirstProperty('summary')?.getParameter('language')),
  };
}

interface ResolvedTime {
  date: Date;
  zone: string;
  dateOnly: boolean;
}

function resolveTime(property: ICAL.Property | null, calendarZone: string): ResolvedTime | undefined {
  if (!property) return undefined;
  const value = property.getFirstValue();
  const time = typeof value === 'string' ? timeOfText(value) : value;
  if (!(time instanceof ICAL.Time)) return undefined;
  const clock = { year: time.year, month: time.month, day: time.day, hour: time.hour, minute: time.minute, second: time.second };

  if (time.isDate) {
    const date = instantInZone({ year: time.year, month: time.month, day: time.day }, calendarZone);
    return date && { date, zone: calendarZone, dateOnly: true };
  }
  const tzid = stringValue(property.getParameter('tzid'));
  const iana = tzid ? canonicalTimeZone(ianaPart(tzid)) : undefined;
  if (iana) {
    const date = instantInZone(clock, iana);
    return date && { date, zone: iana, dateOnly: false };
  }
  if (time.zone && time.zone !== ICAL.Timezone.localTimezone) {
    // UTC, or a zone defined by a VTIMEZONE in the file (such as a Windows zone name).
    const zone = time.zone === ICAL.Timezone.utcTimezone ? 'UTC' : calendarZone;
    return { date: time.toJSDate(), zone, dateOnly: false };
  }
  const date = instantInZone(clock, calendarZone);
  return date && { date, zone: calendarZone, dateOnly: false };
}

/**
 * ical.js types only the properties it knows; an `X-` date without `VALUE=DATE-TIME` arrives
 * as text (`20270126T120000`, `20270126T120000Z` or `20270126`).
 */
function timeOfText(text: string): ICAL.Time | undefined {
  const match = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z?))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, year, month, day, hour, minute, second, utc] = match;
  const iso = hour ? `${year}-${month}-${day}T${hour}:${minute}:${second}${utc}` : `${year}-${month}-${day}`;
  return ICAL.Time.fromString(iso, null);
}

/** Some producers prefix zone names (`/mozilla.org/20050126_1/Asia/Seoul`); keep the IANA tail. */
function ianaPart(tzid: string): string {
  const match = /([A-Za-z_]+\/[A-Za-z_+-]+(?:\/[A-Za-z_+-]+)?)$/.exec(tzid);
  return match?.[1] ?? tzid;
}

function toDate(value: unknown): Date | undefined {
  return value instanceof ICAL.Time ? value.toJSDate() : undefined;
}

function stringValue(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** DESCRIPTION is plain text; keep its line breaks as paragraphs of a summary. */
function escapeText(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .split(/\n{2,}/)
    .map((paragraph) => paragraph.trim())
    .filter(Boolean)
    .map((paragraph) => `<p>${paragraph.replace(/\n/g, '<br>')}</p>`)
    .join('');
}
