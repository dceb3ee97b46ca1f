/**
 * iCalendar (RFC 5545) files read with ical.js: each VEVENT becomes an event draft.
 *
 * Times are resolved in this order: a `TZID` that is an IANA name (converted with the zone
 * data of `Intl`), a `TZID` defined by a VTIMEZONE in the file (ical.js applies its rules),
 * UTC times, and floating times and all-day dates in the calendar's `X-WR-TIMEZONE` (else UTC).
 */
import ICAL from 'ical.js';
import { canonicalTimeZone, instantInZone } from './dates.ts';
import type { EntryDraft } from './entry.ts';
import type { ParsedDocument, ParsedEntry } from './parsed.ts';

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
  const start = resolveTime(component.getFirstProperty('dtstart'), calendarZone);
  let end = resolveTime(component.getFirstProperty('dtend'), calendarZone);
  if (!end && start && component.hasProperty('duration')) {
    const duration = component.getFirstPropertyValue('duration') as ICAL.Duration;
    end = { ...start, date: new Date(start.date.getTime() + duration.toSeconds() * 1000) };
  }

  const location = stringValue(component.getFirstPropertyValue('location'));
  const url = stringValue(component.getFirstPropertyValue('url'));
  const online = /\b(online|virtual|webinar)\b/i.test(location ?? '');
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
    timezone: start?.zone ?? calendarZone,
    allDay: start?.dateOnly ?? false,
    venue: /^(online|virtual|webinar)$/i.test(location ?? "") ? undefined : location,
    online,
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
  const time = property.getFirstValue() as ICAL.Time;
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
