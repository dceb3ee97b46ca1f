/**
 * Merge fields: placeholders that an issue is rendered with once, and that each recipient's
 * copy fills in. Values are HTML-escaped in HTML bodies and left as they are in text bodies.
 *
 * Besides the fixed fields, an event's time carries a local-time placeholder with the event's
 * start, end and zone. It becomes "; your time: …" in the reader's time zone when the reader has
 * given one that differs from the event's, and is removed otherwise (the archive, test sends).
 */
import { formatEventWhen } from '../../emails/format.ts';

export const mergeFields = {
  name: '{{gz:name}}',
  email: '{{gz:email}}',
  unsubscribeUrl: '{{gz:unsubscribe_url}}',
  preferencesUrl: '{{gz:preferences_url}}',
  webVersionUrl: '{{gz:web_version_url}}',
} as const;

export type MergeValues = Partial<Record<keyof typeof mergeFields | 'timeZone', string>>;

const pattern = /\{\{gz:(name|email|unsubscribe_url|preferences_url|web_version_url)\}\}/g;

/** `{{gz:local_time:<start>,<end>,<zone>}}`, times in whole seconds since 1970 and `<end>` optional. */
const localTimePattern = /\{\{gz:local_time:(-?[0-9]{1,12}),(-?[0-9]{0,12}),([A-Za-z0-9_+\-/]{1,64})\}\}/g;

/** Returns the placeholder that shows an event's time in the reader's zone. */
export function localTimeField(startsAt: Date, endsAt: Date | null, timeZone: string): string {
  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  return `{{gz:local_time:${seconds(startsAt)},${endsAt ? seconds(endsAt) : ''},${timeZone}}}`;
}

function localTime(start: string, end: string, eventZone: string, readerZone: string | undefined): string {
  if (!readerZone || readerZone === eventZone) return '';
  const startsAt = new Date(Number(start) * 1000);
  const endsAt = end ? new Date(Number(end) * 1000) : null;
  const inReaderZone = formatEventWhen(startsAt, endsAt, readerZone);
  // formatEventWhen falls back to UTC for an unknown zone, so the field is left empty instead.
  if (!inReaderZone.endsWith(`(${readerZone})`)) return '';
  return `; your time: ${inReaderZone}`;
}

const keyOf: Record<string, keyof typeof mergeFields> = {
  name: 'name',
  email: 'email',
  unsubscribe_url: 'unsubscribeUrl',
  preferences_url: 'preferencesUrl',
  web_version_url: 'webVersionUrl',
};

/** Replaces every merge field in `template`; a field without a value becomes empty. */
export function fillMergeFields(template: string, values: MergeValues, format: 'html' | 'text'): string {
  return template
    .replace(pattern, (_match, field: string) => {
      const value = values[keyOf[field]!] ?? '';
      return format === 'html' ? escapeHtml(value) : value;
    })
    .replace(localTimePattern, (_match, start: string, end: string, zone: string) => {
      const value = localTime(start, end, zone, values.timeZone);
      return format === 'html' ? escapeHtml(value) : value;
    });
}

export function escapeHtml(value: string): string {
  return value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
