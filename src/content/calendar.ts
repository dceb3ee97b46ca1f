/**
 * "Add to calendar": an event as an iCalendar file (RFC 5545), written with ical.js.
 * Times are written in UTC, which every calendar converts to its reader's zone; the event's own
 * zone is named in `X-GAZETTE-TIMEZONE` (RFC 5545 section 3.8.8.2 lets producers add `X-`
 * properties) because a `TZID` would need a VTIMEZONE block that `Intl` cannot produce. Venue,
 * city, country, online and registration go in the other `X-GAZETTE-` properties that `parse-ics.ts` reads.
 */
import ICAL from 'ical.js';
import type { ContentItemRow } from '../db/schema.ts';
import { NotFoundError } from '../errors.ts';
import { gazetteProperties } from './parse-ics.ts';
import { plainText } from './sanitize.ts';

/** Returns the `.ics` text for an event row; other kinds are not found. */
export function eventCalendar(row: ContentItemRow, options: { publicUrl: string; orgName: string; now: Date }): string {
  if (row.kind !== 'event' || !row.starts_at) throw new NotFoundError(`No event with a start time has id ${row.id}.`);

  const calendar = new ICAL.Component(['vcalendar', [], []]);
  calendar.updatePropertyWithValue('prodid', `-//${options.orgName.replace(/\/\//g, '/')}//Gazette//EN`);
  calendar.updatePropertyWithValue('version', '2.0');
  calendar.updatePropertyWithValue('calscale', 'GREGORIAN');
  calendar.updatePropertyWithValue('method', 'PUBLISH');

  const component = new ICAL.Component('vevent');
  const event = new ICAL.Event(component);
  event.uid = row.guid;
  event.summary = row.title;
  component.updatePropertyWithValue('dtstamp', ICAL.Time.fromJSDate(options.now, true));

  const start = new Date(row.starts_at);
  const end = row.ends_at ? new Date(row.ends_at) : undefined;
  if (row.all_day) {
    event.startDate = dateInZone(start, row.timezone ?? 'UTC');
    if (end) event.endDate = dateInZone(end, row.timezone ?? 'UTC');
  } else {
    event.startDate = ICAL.Time.fromJSDate(start, true);
    if (end) event.endDate = ICAL.Time.fromJSDate(end, true);
  }

  const location = [row.venue, row.city, row.country].filter(Boolean).join(', ');
  if (location || row.online) event.location = location || 'Online';
  const description = [
    plainText(row.summary),
    row.registration_url ? `Registration: ${row.registration_url}` : '',
    row.url ? `More: ${row.url}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  if (description) event.description = description;
  if (row.url) component.updatePropertyWithValue('url', row.url);
  if (row.timezone) component.updatePropertyWithValue(gazetteProperties.timezone, row.timezone);
  if (row.venue) component.updatePropertyWithValue(gazetteProperties.venue, row.venue);
  if (row.online) component.updatePropertyWithValue(gazetteProperties.online, 'TRUE');
  if (row.city) component.updatePropertyWithValue(gazetteProperties.city, row.city);
  if (row.country) component.updatePropertyWithValue(gazetteProperties.country, row.country);
  if (row.registration_url) component.updatePropertyWithValue(gazetteProperties.registrationUrl, row.registration_url);
  if (row.registration_deadline) {
    const deadline = component.updatePropertyWithValue(
      gazetteProperties.registrationDeadline,
      ICAL.Time.fromJSDate(new Date(row.registration_deadline), true),
    );
    deadline.setParameter('value', 'DATE-TIME');
  }
  calendar.addSubcomponent(component);
  return `${calendar.toString()}\r\n`;
}

/** A date-only value for the day the instant falls on in `timeZone`. */
function dateInZone(instant: Date, timeZone: string): ICAL.Time {
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(instant);
  const value = (type: string) => Number(parts.find((part) => part.type === type)?.value);
  return ICAL.Time.fromData({ year: value('year'), month: value('month'), day: value('day'), isDate: true });
}
